import { saveAdapterArtifact } from "../adapter/adapter-artifact.js";
import type { AdapterDescription } from "../adapter/adapter-parts.js";
import { createAdapterRuntime, type LoadedAdapter } from "../adapter/adapter-runtime.js";
import { preparedTextsKept } from "../adapter/load-adapter.js";
import type {
  OperatingCriterion,
  OperatingMetric,
  OperatingReference,
} from "../adapter/operating-criterion.js";
import type { RouterKind } from "../adapter/router.js";
import { type AdaptationOptions, type FittedAdaptation, fitAdaptation } from "../fit/fit-adaptation.js";
import type { ProbeOptions } from "../probe/probe.js";
import type { SsmTrainer } from "../small-models/ssm-trainer.js";
import type { DataRow } from "../spec/dataset.js";
import type { LargeModel } from "../spec/large-model.js";
import { type Logger, type ProgressListener, silentLogger } from "../spec/logger.js";
import type { Task } from "../spec/task.js";
import type { SentenceEncoder } from "../text-encoders/sentence-encoder.js";
import { createTextEmbeddings } from "../text-encoders/text-embeddings.js";
import { averageFoldModels } from "./average-fold-models.js";
import { buildCalibrationRecord } from "./calibration-record.js";
import { describeAdapter } from "./describe-adapter.js";
import { type PreparedTrainer, prepareTrainer } from "./prepare-trainer.js";
import { type ProbeSummary, probeRows } from "./probe-rows.js";
import { resolveGoldIds } from "./resolve-gold-ids.js";
import { criterionFor, keptTrainingRows, referenceOf, teacherLabels } from "./teacher-labels.js";

export { defaultTrainer } from "./prepare-trainer.js";
export type { ProbeSummary } from "./probe-rows.js";

/** What `adapt` needs: the task, training and calibration rows, the LM, and optional settings. */
export interface AdaptOptions {
  task: Task;
  /** Training rows; rows without a gold label are learnt from the LM's answer (distillation) when probed. */
  trainRows: readonly DataRow[];
  /**
   * Calibration rows: always probed. Where some have no gold label, the LM's answers are the
   * teacher: every row without one is probed, learnt from the LM's answer, and the operating point
   * is chosen on agreement with the LM (`maxDisagreement`); the gold rows, if any, fit the LM's
   * reliability and the answer gate.
   */
  calibRows: readonly DataRow[];
  /**
   * Without gold labels, the default rule's accepted disagreement: at most this share of the inputs
   * the SSM answers may differ from the LM's answer, one-sided 99% (default 0.02).
   */
  maxDisagreement?: number;
  /** LM answers already known, by text (e.g. from a decision log): those rows are not asked again. */
  knownAnswers?: ReadonlyMap<string, string>;
  /** Keep the rows learnt from in the adapter folder, for `refresh` (default true). */
  keepTrainingRows?: boolean;
  /** The LM, already wrapped with its cache, budget, retries and concurrency limit. */
  largeModel: LargeModel;
  /**
   * The base URL of the LM's API (e.g. "https://api.openai.com/v1"), recorded in the adapter: the
   * CLI's `eval`, `predict` and `serve` call it by default. Optional.
   */
  lmBaseUrl?: string;
  /** Also ask the LM about the training rows (default false). */
  probeTrain?: boolean;
  /** Default: the cheapest point near the best estimated accuracy, never below the LM alone's. */
  criterion?: OperatingCriterion;
  /**
   * What the operating point maximises and holds not below the LM alone: "accuracy" (default) or
   * "macro-f1" (imbalanced tasks, where accuracy rewards answering the majority label).
   */
  metric?: OperatingMetric;
  /** sha256 of the train / calib files' contents (default: of the rows themselves). */
  fingerprints?: { train: string; calib: string };
  /** Default: `trainNgramLinear` with its defaults, blended with `encoder`'s model when one is given. */
  trainer?: SsmTrainer;
  /**
   * A sentence encoder (ideally with its SQLite cache, see `createEncoderByKind`): every row is
   * encoded once, and the small model blends the n-gram model with a linear model over the vectors.
   */
  encoder?: SentenceEncoder;
  /**
   * Threads that train the fold models of the default trainer (no `trainer`, no `encoder`), the
   * calling thread included: 1 trains them all on the calling thread; more start worker threads
   * for the time of cross-fitting (at most one thread per fold). The models are the same either
   * way. Default: one per core, at most 4, from 1,000 texts (fewer: 1).
   */
  trainingThreads?: number;
  /** The encoder the returned adapter predicts with (default `encoder`; bench passes one without the cache). */
  predictionEncoder?: SentenceEncoder;
  /** The encoder side's share of the blend (default `defaultBlendWeight`). */
  blendWeight?: number;
  complementStrengths?: readonly number[];
  router?: RouterKind | "auto";
  distillation?: boolean;
  foldCount?: number;
  seed?: number;
  /** LM calls in flight during the probe (default 8). */
  concurrency?: number;
  onProgress?: ProgressListener;
  logger?: Logger;
  signal?: AbortSignal;
  /** The probe's stall timeout and second-chance delay (default: `probe`'s, see `ProbeOptions`). */
  probeLimits?: Pick<ProbeOptions, "stallTimeoutMs" | "secondChanceDelayMs">;
}

/** What `adapt` returns: the adapter in memory, its description and calibration, the probe summary, timings, and `save`. */
export interface AdaptResult {
  adapter: LoadedAdapter;
  description: AdapterDescription;
  /** What `calibration.json` holds: out-of-fold estimates, curve, underfit map, probe summary. */
  calibration: Record<string, unknown>;
  fitted: FittedAdaptation;
  probe: ProbeSummary;
  timings: {
    probeSeconds: number;
    /** Encoding the rows with the sentence encoder (0 without one; part of adaptSeconds). */
    encodeSeconds: number;
    fitSeconds: number;
    ssmTrainSeconds: number;
    adaptSeconds: number;
    /** The threads that trained fold models, the calling thread included (see `trainingThreads`). */
    trainingThreads: number;
  };
  /** Writes the adapter folder (manifest + checksums). */
  save(directory: string): Promise<void>;
}

/**
 * Adapts the LM to the task: probes the LM on the calibration rows (and the training rows with
 * `probeTrain`), maps where it is wrong, trains complementary SSMs with cross-fitting, fits the
 * answer gate and the router out of fold, and calibrates the operating point. Returns the adapter
 * in memory; `save(dir)` writes it.
 *
 * @example
 * ```ts
 * import { adapt, createOpenAICompatibleModel, loadRows, loadTask } from "easy-adapt";
 *
 * const task = await loadTask("task.json");
 * const result = await adapt({
 *   task,
 *   trainRows: await loadRows("train.csv", { labels: task.labels }),
 *   calibRows: await loadRows("calib.csv", { labels: task.labels }),
 *   largeModel: createOpenAICompatibleModel({
 *     baseUrl: "https://api.openai.com/v1",
 *     model: "gpt-4o-mini",
 *     apiKey: process.env.OPENAI_API_KEY,
 *   }),
 *   criterion: { kind: "max-lm-share", maxLmShare: 0.2 },
 * });
 * console.log(result.fitted.estimates); // out-of-fold accuracy of the LM, the SSM and the adapter
 * await result.save("adapters/tickets");
 * const prediction = await result.adapter.predict("I was charged twice for one order");
 * ```
 */
export async function adapt(options: AdaptOptions): Promise<AdaptResult> {
  const started = performance.now();
  const logger = options.logger ?? silentLogger;
  const { task, trainRows, calibRows } = options;
  const reference = referenceOf(trainRows, calibRows);
  const goldIds = resolveGoldIds(task, trainRows, calibRows);
  const rows = [...trainRows, ...calibRows];
  const shouldProbe = (index: number) =>
    index >= trainRows.length ||
    options.probeTrain === true ||
    (reference !== "gold" && (goldIds[index] ?? -1) < 0);
  const known = options.knownAnswers;
  const probed = await probeRows(
    rows,
    { shouldProbe, ...(known === undefined ? {} : { known }) },
    options,
    logger,
  );
  const texts = rows.map((row) => row.text);
  const prepared = await prepareTrainer(texts, options);
  const fitStarted = performance.now();
  let fitted: FittedAdaptation;
  try {
    const labelled = teacherLabels(reference, goldIds, probed.answerIds);
    fitted = withReference(
      await fitAdaptation(
        { labels: task.labels, texts, answerIds: probed.answerIds, ...labelled },
        fitOptionsOf(options, prepared, reference),
      ),
      reference,
    );
  } finally {
    await prepared.close();
  }
  const fitSeconds = (performance.now() - fitStarted) / 1000;
  const ssms = averageFoldModels(fitted.ssms);
  const description = describeAdapter(options, fitted, ssms);
  const rowCounts = { train: trainRows.length, calib: calibRows.length };
  const calibration = buildCalibrationRecord(fitted, rowCounts, probed.summary);
  const predictionEncoder = options.predictionEncoder ?? options.encoder;
  const adapter = createAdapterRuntime({
    description,
    ssms,
    largeModel: options.largeModel,
    embeddings:
      predictionEncoder === undefined
        ? undefined
        : createTextEmbeddings(predictionEncoder, { maxEntries: preparedTextsKept }),
  });
  logger.info("adapt-done", { estimates: fitted.estimates });
  return {
    adapter,
    description,
    calibration,
    fitted,
    probe: probed.summary,
    timings: {
      probeSeconds: probed.seconds,
      encodeSeconds: prepared.seconds,
      fitSeconds,
      ssmTrainSeconds: fitted.timings.ssmTrainSeconds,
      adaptSeconds: (performance.now() - started) / 1000 - probed.seconds,
      trainingThreads: prepared.threadsUsed(),
    },
    save: (directory) =>
      saveAdapterArtifact(directory, {
        description,
        ssms,
        calibration,
        ...(options.keepTrainingRows === false
          ? {}
          : { trainingRows: keptTrainingRows(rows, task.labels, goldIds, probed.answerIds) }),
      }),
  };
}

/** The fit with its operating point's reference recorded (left out for gold, as in older adapters). */
function withReference(fitted: FittedAdaptation, reference: OperatingReference): FittedAdaptation {
  if (reference === "gold") return fitted;
  return { ...fitted, operatingPoint: { ...fitted.operatingPoint, reference } };
}

/**
 * `fitAdaptation`'s options: the trainers, the criterion (default `{ kind: "default" }`, without gold
 * labels `max-disagreement`) and those given.
 */
function fitOptionsOf(
  options: AdaptOptions,
  prepared: PreparedTrainer,
  reference: OperatingReference,
): AdaptationOptions {
  return {
    trainer: prepared.trainer,
    parallelTrainers: prepared.parallelTrainers,
    criterion: criterionFor(reference, options.criterion, options.maxDisagreement),
    ...(options.metric === undefined ? {} : { metric: options.metric }),
    ...(options.complementStrengths === undefined
      ? {}
      : { complementStrengths: options.complementStrengths }),
    ...(options.router === undefined ? {} : { router: options.router }),
    ...(options.distillation === undefined ? {} : { distillation: options.distillation }),
    ...(options.foldCount === undefined ? {} : { foldCount: options.foldCount }),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  };
}
