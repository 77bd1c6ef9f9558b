import { type AdaptOptions, type AdaptResult, adapt } from "../adapt/adapt.js";
import type { OperatingCriterion, OperatingMetric } from "../adapter/operating-criterion.js";
import { fileSha256 } from "../data/file-sha256.js";
import { type AdapterEvaluation, evaluateAdapter } from "../evaluate/evaluate-adapter.js";
import { summarizeLatencies } from "../evaluate/latency-summary.js";
import type { EncoderKind } from "../small-models/encoder-choice.js";
import type { SsmTrainer } from "../small-models/ssm-trainer.js";
import type { Logger, ProgressListener } from "../spec/logger.js";
import type { Task } from "../spec/task.js";
import { type AblationRow, runAblation } from "./ablation.js";
import { type BenchDataset, loadBenchDataset, rowsOutside } from "./bench-dataset.js";
import { type SystemFigures, share, systemFigures } from "./bench-figures.js";
import { type BenchSetup, openBenchSetup } from "./bench-setup.js";

export type { AblationRow } from "./ablation.js";
export type { SystemFigures } from "./bench-figures.js";

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
  /** What the operating point maximises and holds not below the LM alone (default "accuracy", as `adapt`). */
  metric?: OperatingMetric;
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
  /** Threads that train the fold models (default: `adapt`'s). */
  trainingThreads?: number;
  /** The replay server's port when it is free, else any free one (the demo's adapter records it). */
  replayPort?: number;
  onProgress?: ProgressListener;
  logger?: Logger;
}

/** What `bench` prints (as JSON with --json): the figures of each system on test, timings, memory, the ablation. */
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

/** A bench run: its result, and what eval's report and the warnings read of it. */
export interface BenchRun {
  result: BenchResult;
  task: Task;
  adaptation: AdaptResult;
  evaluation: AdapterEvaluation;
  /** Test rows whose gold label is missing or outside the task's labels: every system counts them wrong. */
  testRowsOutsideTask: { count: number; labels: string[]; file: string };
}

/**
 * Runs `bench` on one dataset folder: loads it, starts the replay setup, adapts on train + dev,
 * evaluates on test, and runs the ablation when asked; the setup is closed whatever happens.
 */
export async function runBenchmark(options: BenchOptions): Promise<BenchRun> {
  const dataset = await loadBenchDataset(options.datasetDir, options.llmColumn);
  const setup = await openBenchSetup(dataset, options);
  try {
    const base = await benchAdaptOptions(dataset, setup, options);
    const adaptation = await adapt(base);
    const labelledTest = dataset.testRows.map((row) => ({ text: row.text, label: row.label ?? "" }));
    const evaluation = await evaluateAdapter(adaptation.adapter, labelledTest, setup.model, {
      concurrency: 16,
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    });
    const result = benchResultOf(dataset, options.llmColumn, adaptation, evaluation);
    if (options.ablation === true) {
      result.ablation = await runAblation({
        base,
        adaptation,
        evaluation,
        labelledTest,
        setupModel: setup.model,
        task: dataset.task,
      });
    }
    result.peakRssMb = round(peakRssMb(), 1);
    return {
      result,
      task: dataset.task,
      adaptation,
      evaluation,
      testRowsOutsideTask: rowsOutside(dataset.testRows, dataset.task, dataset.files.test),
    };
  } finally {
    await setup.close();
  }
}

/** What `adapt` is given: train + dev (dev = calibration), the bench's LM chain and encoders, the files' fingerprints. */
async function benchAdaptOptions(
  dataset: BenchDataset,
  setup: BenchSetup,
  options: BenchOptions,
): Promise<AdaptOptions> {
  const encoders = setup.encoders;
  return {
    task: dataset.task,
    trainRows: dataset.trainRows,
    calibRows: dataset.devRows,
    largeModel: setup.model,
    lmBaseUrl: setup.baseUrl,
    probeTrain: dataset.trainHasColumn,
    fingerprints: {
      train: await fileSha256(dataset.files.train),
      calib: await fileSha256(dataset.files.dev),
    },
    concurrency: 16,
    ...(options.trainer === undefined ? {} : { trainer: options.trainer }),
    ...(options.trainingThreads === undefined ? {} : { trainingThreads: options.trainingThreads }),
    ...(options.criterion === undefined ? {} : { criterion: options.criterion }),
    ...(options.metric === undefined ? {} : { metric: options.metric }),
    ...(encoders === undefined ? {} : { encoder: encoders.training, predictionEncoder: encoders.prediction }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  };
}

/** The bench figures of the adapted system, the LM alone, the SSM alone and the oracle; peakRssMb is set last. */
function benchResultOf(
  dataset: BenchDataset,
  llmColumn: string,
  adaptation: AdaptResult,
  evaluation: AdapterEvaluation,
): BenchResult {
  const { task, testRows } = dataset;
  const figures = (predicted: readonly (string | undefined)[], lmShare: number): SystemFigures =>
    systemFigures(evaluation.gold, predicted, task.labels, lmShare);
  const adaptedShare = share(evaluation.lmCalled);
  const oracleRight = evaluation.gold.filter(
    (label, row) => evaluation.ssmLabels[row] === label || evaluation.lmLabels[row] === label,
  ).length;
  const micros = summarizeLatencies(Array.from(evaluation.ssmMs, (value) => value * 1000));
  return {
    dataset: dataset.name,
    llmColumn,
    counts: {
      train: dataset.trainRows.length,
      dev: dataset.devRows.length,
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
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function peakRssMb(): number {
  // resourceUsage().maxRSS is in kilobytes.
  return process.resourceUsage().maxRSS / 1024;
}
