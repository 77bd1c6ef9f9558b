import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { type AdaptOptions, type AdaptResult, adapt } from "../adapt/adapt.js";
import type { OperatingCriterion } from "../adapter/operating-criterion.js";
import { loadRecordedAnswers } from "../data/recorded-answers.js";
import { loadRows } from "../data/stream-rows.js";
import { taskFromRows } from "../data/task-from-rows.js";
import { computeClassificationMetrics } from "../evaluate/classification-metrics.js";
import { type AdapterEvaluation, evaluateAdapter } from "../evaluate/evaluate-adapter.js";
import { summarizeLatencies } from "../evaluate/latency-summary.js";
import { createAnswerCache } from "../large-models/answer-cache.js";
import { createCachedModel } from "../large-models/cached-model.js";
import { createConcurrencyLimitedModel } from "../large-models/concurrency-limited-model.js";
import { createOpenAICompatibleModel } from "../large-models/openai-compatible-model.js";
import { createRetryingModel } from "../large-models/retrying-model.js";
import { startReplayServer } from "../replay/replay-server.js";
import { createEncoderByKind, type EncoderKind } from "../small-models/encoder-choice.js";
import type { SsmTrainer } from "../small-models/ssm-trainer.js";
import type { DataRow } from "../spec/dataset.js";
import { DataError } from "../spec/errors/data-error.js";
import type { Logger, ProgressListener } from "../spec/logger.js";
import type { Task } from "../spec/task.js";
import { withEmbeddingCache } from "../text-encoders/cached-encoder.js";
import { openEmbeddingCache } from "../text-encoders/embedding-cache.js";
import type { SentenceEncoder } from "../text-encoders/sentence-encoder.js";
import { createSeededRandom } from "../util/seeded-random.js";

/**
 * `bench`: one dataset folder in the ../shared/datasets format, end to end through real HTTP.
 * A replay server on loopback answers from the recorded LLM column (dev and test, and train when
 * it has the column); the pipeline reaches those answers only through the LM connector and a
 * fresh SQLite cache. Adapts on train + dev (dev = calibration), evaluates on test.
 */
export interface BenchOptions {
  datasetDir: string;
  llmColumn: string;
  lmLatencyMs?: number;
  ablation?: boolean;
  /** The operating point's criterion (default: the default criterion, as `adapt`). */
  criterion?: OperatingCriterion;
  trainer?: SsmTrainer;
  /**
   * Blend this sentence encoder into the small model. The training rows' vectors are kept in
   * `embeddingCacheFile` (a second run does not encode them again); the test rows are always
   * encoded afresh, so the prediction latencies include encoding.
   */
  encoder?: EncoderKind;
  embeddingCacheFile?: string;
  /** The encoder's threads (default: its own default, 2 on 2+ cores). */
  encoderWorkers?: number;
  onProgress?: ProgressListener;
  logger?: Logger;
  /** Keeps what eval needs for the report (per-row arrays); default false. */
  keepEvaluation?: boolean;
}

export interface SystemFigures {
  accuracy: number;
  macroF1: number;
  lmShare: number;
}

/** One row of the ablation; the figures are null where the part does not apply (see `note`). */
export interface AblationRow {
  name: string;
  accuracy: number | null;
  macroF1: number | null;
  lmShare: number | null;
  note?: string;
}

export interface BenchResult {
  dataset: string;
  llmColumn: string;
  counts: { train: number; dev: number; test: number; labels: number };
  results: {
    lm: SystemFigures;
    ssm: SystemFigures;
    adapted: SystemFigures;
    oracle: { accuracy: number };
  };
  timings: { adaptSeconds: number; ssmTrainSeconds: number; predictMicrosP50: number };
  peakRssMb: number;
  ablation?: AblationRow[];
}

export interface BenchRun {
  result: BenchResult;
  task: Task;
  adaptation: AdaptResult;
  evaluation: AdapterEvaluation;
  /** Test rows whose gold label is missing or outside the task's labels: every system counts them wrong. */
  testRowsOutsideTask: { count: number; labels: string[]; file: string };
}

export async function runBenchmark(options: BenchOptions): Promise<BenchRun> {
  const dataset = basename(options.datasetDir.replace(/[/\\]+$/, ""));
  const files = {
    train: join(options.datasetDir, "train.csv"),
    dev: join(options.datasetDir, "dev.csv"),
    test: join(options.datasetDir, "test.csv"),
  };
  const trainRows = await loadRows(files.train);
  const devRows = await loadRows(files.dev);
  const testRows = await loadRows(files.test);
  for (const [split, rows] of [
    ["dev", devRows],
    ["test", testRows],
  ] as const) {
    if (rows[0] !== undefined && !(options.llmColumn in rows[0].columns)) {
      throw new DataError(
        `no column "${options.llmColumn}" (columns: ${Object.keys(rows[0].columns).join(", ")})`,
        {
          file: files[split],
          column: options.llmColumn,
        },
      );
    }
  }
  const trainHasColumn = trainRows[0] !== undefined && options.llmColumn in trainRows[0].columns;
  const task = await benchTask(dataset, options.datasetDir, trainRows);
  const answerFiles = trainHasColumn ? [files.train, files.dev, files.test] : [files.dev, files.test];
  const answers = await loadRecordedAnswers(answerFiles, options.llmColumn);
  const server = await startReplayServer({
    answers,
    latencyMs: options.lmLatencyMs ?? 0,
    model: options.llmColumn,
  });
  let encoders: { training: SentenceEncoder; prediction: SentenceEncoder } | undefined;
  if (options.encoder !== undefined) {
    const prediction = await createEncoderByKind(
      options.encoder,
      options.encoderWorkers === undefined ? {} : { workers: options.encoderWorkers },
    );
    const cacheFile = options.embeddingCacheFile;
    encoders = {
      prediction,
      training:
        cacheFile === undefined ? prediction : withEmbeddingCache(prediction, openEmbeddingCache(cacheFile)),
    };
  }
  const cacheDir = await mkdtemp(join(tmpdir(), "easy-adapt-bench-"));
  // The same chain a user's LM goes through: connector → retries → concurrency limit → cache.
  const cache = createAnswerCache(join(cacheDir, "cache.sqlite"));
  const connector = createOpenAICompatibleModel({
    baseUrl: server.url,
    model: options.llmColumn,
    timeoutMs: 60_000,
  });
  const setup = {
    model: createCachedModel(
      createConcurrencyLimitedModel(createRetryingModel(connector, { maxRetries: 3, baseDelayMs: 200 }), 16),
      cache,
    ),
  };
  try {
    const base: AdaptOptions = {
      task,
      trainRows,
      calibRows: devRows,
      largeModel: setup.model,
      probeTrain: trainHasColumn,
      fingerprints: { train: await fileSha256(files.train), calib: await fileSha256(files.dev) },
      concurrency: 16,
      ...(options.trainer === undefined ? {} : { trainer: options.trainer }),
      ...(options.criterion === undefined ? {} : { criterion: options.criterion }),
      ...(encoders === undefined
        ? {}
        : { encoder: encoders.training, predictionEncoder: encoders.prediction }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    };
    const adaptation = await adapt(base);
    const labelledTest = testRows.map((row) => ({ text: row.text, label: row.label ?? "" }));
    const evaluation = await evaluateAdapter(adaptation.adapter, labelledTest, setup.model, {
      concurrency: 16,
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    });
    const figures = (predicted: readonly (string | undefined)[], lmShare: number): SystemFigures => {
      const metrics = computeClassificationMetrics(evaluation.gold, predicted, task.labels);
      return { accuracy: metrics.accuracy, macroF1: metrics.macroF1, lmShare };
    };
    const adaptedShare = share(evaluation.lmCalled);
    const oracleRight = evaluation.gold.filter(
      (label, row) => evaluation.ssmLabels[row] === label || evaluation.lmLabels[row] === label,
    ).length;
    const micros = summarizeLatencies(Array.from(evaluation.ssmMs, (value) => value * 1000));
    const result: BenchResult = {
      dataset,
      llmColumn: options.llmColumn,
      counts: {
        train: trainRows.length,
        dev: devRows.length,
        test: testRows.length,
        labels: task.labels.length,
      },
      results: {
        lm: figures(evaluation.lmLabels, 1),
        ssm: figures(evaluation.ssmLabels, 0),
        adapted: figures(evaluation.adaptedLabels, adaptedShare),
        oracle: { accuracy: testRows.length > 0 ? oracleRight / testRows.length : 0 },
      },
      timings: {
        adaptSeconds: round(adaptation.timings.adaptSeconds, 2),
        ssmTrainSeconds: round(adaptation.timings.ssmTrainSeconds, 2),
        predictMicrosP50: round(micros.p50, 1),
      },
      peakRssMb: 0,
    };
    if (options.ablation === true) {
      result.ablation = await runAblation({
        base,
        adaptation,
        evaluation,
        labelledTest,
        setupModel: setup.model,
        task,
      });
    }
    result.peakRssMb = round(peakRssMb(), 1);
    return {
      result,
      task,
      adaptation,
      evaluation,
      testRowsOutsideTask: rowsOutside(testRows, task, files.test),
    };
  } finally {
    cache.close();
    await encoders?.training.close();
    await encoders?.prediction.close();
    await server.close();
    await rm(cacheDir, { recursive: true, force: true });
  }
}

async function runAblation(input: {
  base: AdaptOptions;
  adaptation: AdaptResult;
  evaluation: AdapterEvaluation;
  labelledTest: { text: string; label: string }[];
  setupModel: AdaptOptions["largeModel"];
  task: Task;
}): Promise<AblationRow[]> {
  const { base, evaluation, task } = input;
  const rows: AblationRow[] = [];
  const figures = (
    name: string,
    predicted: readonly (string | undefined)[],
    lmShare: number,
    note?: string,
  ) => {
    const metrics = computeClassificationMetrics(evaluation.gold, predicted, task.labels);
    rows.push({
      name,
      accuracy: metrics.accuracy,
      macroF1: metrics.macroF1,
      lmShare,
      ...(note === undefined ? {} : { note }),
    });
  };
  const evaluateVariant = async (options: Partial<AdaptOptions>): Promise<AdapterEvaluation> => {
    const variant = await adapt({ ...base, ...options });
    return evaluateAdapter(variant.adapter, input.labelledTest, input.setupModel, { concurrency: 16 });
  };

  // 1. Plain SSM vs complement-weighted SSM (each with its own router and operating point).
  for (const strength of [0, 1]) {
    const variant = await evaluateVariant({ complementStrengths: [strength] });
    const label = strength === 0 ? "plain" : "complement-weighted";
    figures(`SSM alone, ${label} (strength ${strength})`, variant.ssmLabels, 0);
    figures(`adapted, ${label} SSM`, variant.adaptedLabels, share(variant.lmCalled));
  }

  // 2. SSM-confidence threshold vs the learned router, at the adapted system's LM share on test.
  const calls = evaluation.lmCalled.reduce((sum, value) => sum + value, 0);
  const byConfidence = Array.from(evaluation.ssmConfidences.keys()).sort(
    (left, right) => (evaluation.ssmConfidences[left] ?? 0) - (evaluation.ssmConfidences[right] ?? 0),
  );
  const routedByConfidence = new Uint8Array(evaluation.gold.length);
  for (const row of byConfidence.slice(0, calls)) routedByConfidence[row] = 1;
  const atShare = share(routedByConfidence);
  figures(
    "confidence threshold, raw LM answer",
    evaluation.gold.map((_, row) =>
      routedByConfidence[row] === 1
        ? (evaluation.lmLabels[row] ?? evaluation.ssmLabels[row])
        : evaluation.ssmLabels[row],
    ),
    atShare,
    "lowest SSM confidence routed, same LM share as the adapted system",
  );
  figures(
    "confidence threshold + answer gate",
    evaluation.gold.map((_, row) =>
      routedByConfidence[row] === 1 ? evaluation.routedLabels[row] : evaluation.ssmLabels[row],
    ),
    atShare,
  );
  const kind = input.adaptation.description.router.kind;
  figures(
    `adapter's router (${kind}), raw LM answer`,
    evaluation.gold.map((_, row) =>
      evaluation.lmCalled[row] === 1
        ? (evaluation.lmLabels[row] ?? evaluation.ssmLabels[row])
        : evaluation.ssmLabels[row],
    ),
    share(evaluation.lmCalled),
  );
  figures(
    `adapter's router (${kind}) + answer gate (adapted)`,
    evaluation.adaptedLabels,
    share(evaluation.lmCalled),
  );
  // The other router kind, with its own operating point.
  const otherKind = kind === "learned" ? "confidence" : "learned";
  const other = await evaluateVariant({ router: otherKind });
  figures(`adapted with the ${otherKind} router forced`, other.adaptedLabels, share(other.lmCalled));

  // 3. Distillation: hide the gold labels of a seeded half of the training rows that have LM answers.
  if (base.probeTrain === true) {
    const random = createSeededRandom(7);
    const hidden: DataRow[] = base.trainRows.map((row) => {
      if (random() >= 0.5) return row;
      const { label: _label, ...rest } = row;
      return rest;
    });
    const hiddenCount = hidden.filter((row) => row.label === undefined).length;
    const withDistillation = await evaluateVariant({ trainRows: hidden, distillation: true });
    figures(
      "adapted, 50% train gold hidden, with distillation",
      withDistillation.adaptedLabels,
      share(withDistillation.lmCalled),
      `${hiddenCount} training rows learnt from the LM's answers`,
    );
    figures("SSM alone, 50% train gold hidden, with distillation", withDistillation.ssmLabels, 0);
    const without = await evaluateVariant({ trainRows: hidden, distillation: false });
    figures(
      "adapted, 50% train gold hidden, without distillation",
      without.adaptedLabels,
      share(without.lmCalled),
      `the ${hiddenCount} rows without gold are left out`,
    );
    figures("SSM alone, 50% train gold hidden, without distillation", without.ssmLabels, 0);
  } else {
    rows.push({
      name: "distillation",
      accuracy: null,
      macroF1: null,
      lmShare: null,
      note: "does not apply: train.csv has no LM answers, so no row can be learnt from the LM",
    });
  }
  return rows;
}

/** The rows whose label is missing or not one of the task's (at most 5 of those labels, for a message). */
function rowsOutside(
  rows: readonly DataRow[],
  task: Task,
  file: string,
): { count: number; labels: string[]; file: string } {
  const known = new Set(task.labels);
  const labels = new Set<string>();
  let count = 0;
  for (const row of rows) {
    if (row.label !== undefined && known.has(row.label)) continue;
    count += 1;
    if (labels.size < 5) labels.add(row.label ?? "");
  }
  return { count, labels: [...labels], file };
}

async function benchTask(name: string, directory: string, trainRows: readonly DataRow[]): Promise<Task> {
  const labelsFile = join(directory, "labels.txt");
  if (existsSync(labelsFile)) {
    const labels = (await readFile(labelsFile, "utf8"))
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== "");
    if (new Set(labels).size !== labels.length || labels.length < 2) {
      throw new DataError("labels.txt needs at least two distinct labels, one a line", { file: labelsFile });
    }
    return { name, labels };
  }
  return taskFromRows(name, trainRows, join(directory, "train.csv"));
}

async function fileSha256(path: string): Promise<string> {
  const { createHash } = await import("node:crypto");
  return createHash("sha256")
    .update(await readFile(path))
    .digest("hex");
}

function share(flags: Uint8Array): number {
  if (flags.length === 0) return 0;
  let total = 0;
  for (const flag of flags) total += flag;
  return total / flags.length;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function peakRssMb(): number {
  // resourceUsage().maxRSS is in kilobytes.
  return process.resourceUsage().maxRSS / 1024;
}
