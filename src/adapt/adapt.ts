import { createHash } from "node:crypto";
import { saveAdapterArtifact } from "../adapter/adapter-artifact.js";
import type { AdapterDescription } from "../adapter/adapter-parts.js";
import { createAdapterRuntime, type LoadedAdapter } from "../adapter/adapter-runtime.js";
import { libraryVersion } from "../adapter/library-version.js";
import { preparedTextsKept } from "../adapter/load-adapter.js";
import type { OperatingCriterion } from "../adapter/operating-criterion.js";
import type { RouterKind } from "../adapter/router.js";
import { routerFeatureNames } from "../adapter/router-features.js";
import { type FittedAdaptation, fitAdaptation, notAsked, unusableAnswer } from "../fit/fit-adaptation.js";
import { type ProbeRow, probe } from "../probe/probe.js";
import { ProbeStoppedError } from "../probe/probe-stopped-error.js";
import { averageNgramLinearModels } from "../small-models/average-ngram-linear-models.js";
import { createBlendedTrainer } from "../small-models/blended-trainer.js";
import { averageNgramEmbeddingBlends } from "../small-models/ngram-embedding-blend.js";
import type { SsmTrainer, TrainedSsm } from "../small-models/ssm-trainer.js";
import { trainNgramLinear } from "../small-models/train-ngram-linear.js";
import type { DataRow } from "../spec/dataset.js";
import { DataError } from "../spec/errors/data-error.js";
import type { LargeModel } from "../spec/large-model.js";
import { type Logger, type ProgressListener, silentLogger } from "../spec/logger.js";
import type { Task } from "../spec/task.js";
import type { SentenceEncoder } from "../text-encoders/sentence-encoder.js";
import { createTextEmbeddings } from "../text-encoders/text-embeddings.js";

export interface AdaptOptions {
  task: Task;
  /** Training rows; rows without a gold label are learnt from the LM's answer (distillation) when probed. */
  trainRows: readonly DataRow[];
  /** Calibration rows (gold labels required): always probed. */
  calibRows: readonly DataRow[];
  /** The LM, already wrapped with its cache, budget, retries and concurrency limit. */
  largeModel: LargeModel;
  /** Also ask the LM about the training rows (default false). */
  probeTrain?: boolean;
  /** Default: the cheapest point near the best estimated accuracy, never below the LM alone's. */
  criterion?: OperatingCriterion;
  /** sha256 of the train / calib files' contents (default: of the rows themselves). */
  fingerprints?: { train: string; calib: string };
  /** Default: `trainNgramLinear` with its defaults, blended with `encoder`'s model when one is given. */
  trainer?: SsmTrainer;
  /**
   * A sentence encoder (ideally with its SQLite cache, see `createEncoderByKind`): every row is
   * encoded once, and the small model blends the n-gram model with a linear model over the vectors.
   */
  encoder?: SentenceEncoder;
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
}

export interface ProbeSummary {
  asked: number;
  answered: number;
  unparseable: number;
  failed: number;
  notAsked: number;
  cacheHits: number;
  stoppedBy?: "budget";
  /** The error of a failed call (the last in row order), when some failed. */
  lastFailure?: string;
}

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
  };
  /** Writes the adapter folder (manifest + checksums). */
  save(directory: string): Promise<void>;
}

export const defaultTrainer: SsmTrainer = (set) => trainNgramLinear(set);

/**
 * Adapts the LM to the task: probes the LM on the calibration rows (and the training rows with
 * `probeTrain`), maps where it is wrong, trains complementary SSMs with cross-fitting, fits the
 * answer gate and the router out of fold, and calibrates the operating point. Returns the adapter
 * in memory; `save(dir)` writes it.
 */
export async function adapt(options: AdaptOptions): Promise<AdaptResult> {
  const started = performance.now();
  const logger = options.logger ?? silentLogger;
  const { task } = options;
  const labelIds = new Map(task.labels.map((label, index) => [label, index]));
  const rows = [...options.trainRows, ...options.calibRows];
  const trainCount = options.trainRows.length;
  options.calibRows.forEach((row, index) => {
    if (row.label === undefined) {
      throw new DataError("calibration rows need a gold label", { file: "calibration data", row: index + 1 });
    }
  });
  const goldIds = new Int32Array(rows.length).fill(-1);
  rows.forEach((row, index) => {
    if (row.label === undefined) return;
    const id = labelIds.get(row.label);
    if (id === undefined) {
      throw new DataError(`label "${row.label}" is not one of the task's labels`, {
        file: index < trainCount ? "training data" : "calibration data",
        row: (index < trainCount ? index : index - trainCount) + 1,
        column: "label",
      });
    }
    goldIds[index] = id;
  });

  // 1. Probe.
  const probeStarted = performance.now();
  const probeIndices: number[] = [];
  for (let index = 0; index < rows.length; index += 1) {
    const isCalib = index >= trainCount;
    if (isCalib || options.probeTrain === true) probeIndices.push(index);
  }
  let probeRows: readonly (ProbeRow | undefined)[];
  let stoppedBy: "budget" | undefined;
  try {
    const result = await probe(
      probeIndices.map((index) => rows[index]?.text ?? ""),
      task,
      options.largeModel,
      {
        concurrency: options.concurrency ?? 8,
        ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      },
    );
    probeRows = result.rows;
  } catch (error) {
    if (!(error instanceof ProbeStoppedError) || error.reason !== "budget") throw error;
    logger.warn("probe-stopped", { reason: "budget", unanswered: error.unanswered });
    probeRows = error.rows;
    stoppedBy = "budget";
  }
  const answerIds = new Int32Array(rows.length).fill(notAsked);
  const summary: ProbeSummary = {
    asked: 0,
    answered: 0,
    unparseable: 0,
    failed: 0,
    notAsked: rows.length,
    cacheHits: 0,
    ...(stoppedBy === undefined ? {} : { stoppedBy }),
  };
  probeIndices.forEach((index, position) => {
    const row = probeRows[position];
    if (row === undefined) return;
    summary.asked += 1;
    summary.notAsked -= 1;
    if (row.cached) summary.cacheHits += 1;
    if (row.status === "answered" && row.label !== undefined) {
      summary.answered += 1;
      answerIds[index] = labelIds.get(row.label) ?? unusableAnswer;
    } else {
      if (row.status === "failed") {
        summary.failed += 1;
        summary.lastFailure = row.error ?? row.raw;
      } else summary.unparseable += 1;
      answerIds[index] = unusableAnswer;
    }
  });
  const probeSeconds = (performance.now() - probeStarted) / 1000;
  logger.info("probe-done", { ...summary });

  const texts = rows.map((row) => row.text);
  // The sentence encoder's vectors, once per row (the folds share them).
  const encodeStarted = performance.now();
  let trainer = options.trainer ?? defaultTrainer;
  if (options.encoder !== undefined) {
    const embeddings = createTextEmbeddings(options.encoder);
    await embeddings.prepare(texts, {
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      onProgress: (done, total) => options.onProgress?.({ stage: "encode texts", done, total }),
    });
    trainer =
      options.trainer ??
      createBlendedTrainer(
        embeddings,
        options.blendWeight === undefined ? {} : { weight: options.blendWeight },
      );
  }
  const encodeSeconds = (performance.now() - encodeStarted) / 1000;

  // 2-5. Underfit map, complementary SSMs, gate, router, operating point.
  const fitStarted = performance.now();
  const fitted = await fitAdaptation(
    { labels: task.labels, texts, goldIds, answerIds },
    {
      trainer,
      criterion: options.criterion ?? { kind: "default" },
      ...(options.complementStrengths === undefined
        ? {}
        : { complementStrengths: options.complementStrengths }),
      ...(options.router === undefined ? {} : { router: options.router }),
      ...(options.distillation === undefined ? {} : { distillation: options.distillation }),
      ...(options.foldCount === undefined ? {} : { foldCount: options.foldCount }),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    },
  );
  const fitSeconds = (performance.now() - fitStarted) / 1000;
  // The K fold models answer as their average: one model where their kind allows it.
  const averaged = averageNgramLinearModels(fitted.ssms) ?? averageNgramEmbeddingBlends(fitted.ssms);
  const ssms: TrainedSsm[] = averaged === undefined ? fitted.ssms : [averaged];

  const description: AdapterDescription = {
    task,
    lmId: options.largeModel.id,
    ssmKind: ssms[0]?.kind ?? "ngram-linear",
    ssmCount: ssms.length,
    temperature: fitted.temperature,
    reliability: fitted.reliability,
    ssmPrecision: fitted.ssmPrecision,
    gate: fitted.gate,
    routerFeatures: [...routerFeatureNames],
    router: fitted.router,
    operatingPoint: fitted.operatingPoint,
    complementStrength: fitted.complementStrength,
    fingerprints: options.fingerprints ?? {
      train: fingerprintRows(options.trainRows),
      calib: fingerprintRows(options.calibRows),
    },
    versions: { easyAdapt: libraryVersion(), node: process.versions.node },
    createdAt: new Date().toISOString(),
  };
  const calibration: Record<string, unknown> = {
    estimates: fitted.estimates,
    operatingPoint: fitted.operatingPoint,
    candidates: fitted.candidates,
    counts: { ...fitted.counts, train: options.trainRows.length, calib: options.calibRows.length },
    probe: summary,
    underfitMap: fitted.underfitMap,
    curve: thinCurve(fitted.curve, 200),
  };
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
    probe: summary,
    timings: {
      probeSeconds,
      encodeSeconds,
      fitSeconds,
      ssmTrainSeconds: fitted.timings.ssmTrainSeconds,
      adaptSeconds: (performance.now() - started) / 1000 - probeSeconds,
    },
    save: (directory) => saveAdapterArtifact(directory, { description, ssms, calibration }),
  };
}

function fingerprintRows(rows: readonly DataRow[]): string {
  const hash = createHash("sha256");
  for (const row of rows) hash.update(`${row.text}\u0000${row.label ?? ""}\u0001`);
  return hash.digest("hex");
}

function thinCurve<Point extends { lmShare: number }>(points: readonly Point[], maxPoints: number): Point[] {
  if (points.length <= maxPoints) return [...points];
  const step = (points.length - 1) / (maxPoints - 1);
  const kept: Point[] = [];
  for (let index = 0; index < maxPoints; index += 1) {
    const point = points[Math.round(index * step)];
    if (point !== undefined) kept.push(point);
  }
  return kept;
}
