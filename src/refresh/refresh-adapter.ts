import { join } from "node:path";
import { type AdaptResult, adapt } from "../adapt/adapt.js";
import { loadAdapterArtifact } from "../adapter/adapter-artifact.js";
import type { AdapterDescription } from "../adapter/adapter-parts.js";
import type { AdapterOperatingPoint, OperatingCriterion } from "../adapter/operating-criterion.js";
import { decodeTrainingRows, trainingRowsFileName } from "../adapter/training-rows-file.js";
import type { DataRow } from "../spec/dataset.js";
import { UsageError } from "../spec/errors/usage-error.js";
import type { LargeModel } from "../spec/large-model.js";
import type { Logger, ProgressListener } from "../spec/logger.js";
import type { Task } from "../spec/task.js";
import { type MergeCounts, mergeRefreshRows, type RefreshRow } from "./merge-refresh-rows.js";

/** One input the LLM answered: a decision-log line written with --log-inputs, or the online learner's memory. */
export interface LearnedAnswer {
  text: string;
  answer: string;
}

/** What `refreshAdapter` builds the next adapter from. Plain data but for largeModel/onProgress/logger/signal. */
export interface RefreshOptions {
  /** Where the refresh starts: an adapter folder (its task, training rows, settings) or, for the first adapter of a stream, a task alone. */
  from: { adapterDir: string } | { task: Task };
  /** Inputs with the LLM's answers (deduplicated by text inside refreshAdapter; answers not among the task's labels dropped and counted). */
  answers: readonly LearnedAnswer[];
  /** Rows with gold labels (few-gold), optional. */
  goldRows?: readonly DataRow[];
  /** More training rows (gold label optional), optional. */
  trainRows?: readonly DataRow[];
  /** Only needed when some rows have no LLM answer yet (gold/train rows): asked through it; without it those rows train without an LLM answer. */
  largeModel?: LargeModel;
  /** The gold-free operating rule's accepted disagreement (default 0.02). */
  maxDisagreement?: number;
  maxLmShare?: number;
  seed?: number;
  /** Threads that train the fold models (default: `adapt`'s). */
  trainingThreads?: number;
  onProgress?: ProgressListener;
  logger?: Logger;
  signal?: AbortSignal;
}

/** An adapter's estimated LLM share and accuracy (against gold) or agreement (with the LLM), out of fold. */
export interface RefreshEstimate {
  lmShare: number;
  accuracy?: number;
  agreement?: number;
}

/** What `refreshAdapter` returns: the new adapter, the rows it learnt from, and the estimates before and after. */
export interface RefreshResult {
  /** What adapt() returns for the new adapter: `save(dir)` writes it (manifest last, temp+rename as today). */
  result: AdaptResult;
  /**
   * Rows learnt from: answers kept after dedup, gold rows, --train rows, old training rows, answers
   * dropped (label not in task), and rows whose text an earlier source had (merged, the newer answer winning).
   */
  rows: MergeCounts & { oldTraining: number };
  /** Estimated LLM share and accuracy-or-agreement of the adapter it started from (undefined from a task alone) and of the new one. */
  before?: RefreshEstimate;
  after: RefreshEstimate;
}

/**
 * Builds the next adapter from the LLM's answers collected in serving: the old adapter's kept
 * training rows (with their gold labels and LLM answers), every answered input (deduplicated by
 * text, the latest answer kept), the gold rows and the extra training rows, through the same
 * cross-fitted pipeline as `adapt` (where rows lack gold labels, the LLM is the teacher and the
 * operating point is chosen on agreement with it). Nothing is written: `result.save(dir)` writes the
 * new adapter; the old folder is only read.
 */
export async function refreshAdapter(options: RefreshOptions): Promise<RefreshResult> {
  const start = await startingPoint(options.from);
  const { task } = start;
  const merged = mergeRefreshRows(task.labels, {
    old: start.trainingRows,
    answers: options.answers,
    gold: options.goldRows ?? [],
    train: options.trainRows ?? [],
  });
  const { calibRows, trainRows, known } = splitRows(merged.rows, options.largeModel !== undefined);
  if (calibRows.length + trainRows.length < 10) {
    throw new UsageError(
      `too few rows to refresh from (${calibRows.length + trainRows.length}; at least 10 rows with an LLM answer or a gold label are needed)`,
    );
  }
  const result = await adapt({
    task,
    trainRows,
    calibRows,
    largeModel: options.largeModel ?? unavailableModel(start.description?.lmId),
    ...(start.description?.lmBaseUrl === undefined ? {} : { lmBaseUrl: start.description.lmBaseUrl }),
    criterion: criterionOf(options, start.description),
    ...(options.maxDisagreement === undefined ? {} : { maxDisagreement: options.maxDisagreement }),
    knownAnswers: known,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.trainingThreads === undefined ? {} : { trainingThreads: options.trainingThreads }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return {
    result,
    rows: { ...merged.counts, oldTraining: start.trainingRows.length },
    ...(start.description === undefined ? {} : { before: estimateOf(start.description.operatingPoint) }),
    after: estimateOf(result.description.operatingPoint),
  };
}

/** The task, the old adapter's description and its kept training rows (none from a task alone). */
async function startingPoint(from: RefreshOptions["from"]): Promise<{
  task: Task;
  description?: AdapterDescription;
  trainingRows: readonly RefreshRow[];
}> {
  if ("task" in from) return { task: from.task, trainingRows: [] };
  // One read of the folder: the kept rows come from the same verified files as the description.
  const artifact = await loadAdapterArtifact(from.adapterDir);
  const file = artifact.trainingRowsFile;
  const trainingRows =
    file === undefined ? [] : decodeTrainingRows(file, join(from.adapterDir, trainingRowsFileName));
  return { task: artifact.description.task, description: artifact.description, trainingRows };
}

/**
 * The rows `adapt` probes (calibration: those with a known LLM answer, and every row when an LLM is
 * at hand) and those it only trains on (gold rows without an answer and no LLM to ask), with the
 * known answers by text.
 */
function splitRows(
  rows: readonly RefreshRow[],
  canAsk: boolean,
): { calibRows: DataRow[]; trainRows: DataRow[]; known: Map<string, string> } {
  const calibRows: DataRow[] = [];
  const trainRows: DataRow[] = [];
  const known = new Map<string, string>();
  for (const row of rows) {
    const dataRow: DataRow = {
      text: row.text,
      columns: {},
      ...(row.label === undefined ? {} : { label: row.label }),
    };
    if (row.answer !== undefined) known.set(row.text, row.answer);
    if (row.answer !== undefined || canAsk) calibRows.push(dataRow);
    else if (row.label !== undefined) trainRows.push(dataRow);
  }
  return { calibRows, trainRows, known };
}

/**
 * The criterion of the new adapter: `maxLmShare` when given; else the old adapter's when it was a
 * cap or a cost; else adapt's default for the data (`max-disagreement` without gold labels).
 */
function criterionOf(
  options: RefreshOptions,
  description: AdapterDescription | undefined,
): OperatingCriterion | undefined {
  if (options.maxLmShare !== undefined) return { kind: "max-lm-share", maxLmShare: options.maxLmShare };
  const old = description?.operatingPoint.criterion;
  if (old?.kind === "max-lm-share" || old?.kind === "lm-cost") return old;
  if (old?.kind === "max-disagreement" && options.maxDisagreement === undefined) return old;
  return undefined;
}

/** Accuracy when the point was estimated against gold labels, agreement when against the LLM's answers. */
function estimateOf(point: AdapterOperatingPoint): RefreshEstimate {
  const reference = point.reference ?? "gold";
  return reference === "gold"
    ? { lmShare: point.lmShare, accuracy: point.estimatedAccuracy }
    : { lmShare: point.lmShare, agreement: point.estimatedAccuracy };
}

/** The LLM stand-in when none is given: every row it would be asked about already has an answer. */
function unavailableModel(id: string | undefined): LargeModel {
  return {
    id: id ?? "none",
    complete: () => Promise.reject(new UsageError("refresh was given no LLM to ask")),
  };
}
