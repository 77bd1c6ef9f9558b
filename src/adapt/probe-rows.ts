import { notAsked, unusableAnswer } from "../fit/adaptation-data.js";
import { type ProbeOptions, type ProbeRow, probe } from "../probe/probe.js";
import { ProbeStoppedError } from "../probe/probe-stopped-error.js";
import type { DataRow } from "../spec/dataset.js";
import type { LargeModel } from "../spec/large-model.js";
import type { Logger, ProgressListener } from "../spec/logger.js";
import type { Task } from "../spec/task.js";

/** What the probe of the LM gave: how many rows were asked and how they were answered. */
export interface ProbeSummary {
  asked: number;
  answered: number;
  unparseable: number;
  failed: number;
  notAsked: number;
  /** Rows answered from the answer cache (as the LM spend counts them). */
  cacheHits: number;
  /** Rows whose text was being asked at the same time (a repeated text): one call for all, no cache hit. */
  shared?: number;
  /** Rows whose LM answer was already known (e.g. from a decision log), not asked again; no cache hit either. */
  known?: number;
  stoppedBy?: "budget";
  /** The error of a failed call (the last in row order), when some failed. */
  lastFailure?: string;
}

/** How `probeRows` asks the LM (a subset of `AdaptOptions`). */
export interface ProbeRowsOptions {
  task: Task;
  largeModel: LargeModel;
  probeTrain?: boolean;
  concurrency?: number;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  /** The probe's stall timeout and second-chance delay (default: `probe`'s). */
  probeLimits?: Pick<ProbeOptions, "stallTimeoutMs" | "secondChanceDelayMs">;
}

/** The LM's answer id on every row (`notAsked` / `unusableAnswer` where there is none), and the summary. */
export interface ProbedRows {
  answerIds: Int32Array;
  summary: ProbeSummary;
  seconds: number;
}

/** Which rows `probeRows` asks the LM about, and the answers already known (by text: not asked again). */
export interface ProbePlan {
  shouldProbe: (index: number) => boolean;
  known?: ReadonlyMap<string, string>;
}

/**
 * Asks the LM about the rows `plan.shouldProbe` picks (`adapt`: the calibration rows, the
 * training rows with `probeTrain`, and every row without a gold label when adapting without
 * them), except those whose answer `plan.known` already holds. A probe stopped by the budget keeps
 * the answers it got (logged as `probe-stopped`); any other error is thrown.
 */
export async function probeRows(
  rows: readonly DataRow[],
  plan: ProbePlan,
  options: ProbeRowsOptions,
  logger: Logger,
): Promise<ProbedRows> {
  const started = performance.now();
  const probeIndices: number[] = [];
  const knownIndices: number[] = [];
  for (let index = 0; index < rows.length; index += 1) {
    if (!plan.shouldProbe(index)) continue;
    if (plan.known?.has(rows[index]?.text ?? "") === true) knownIndices.push(index);
    else probeIndices.push(index);
  }
  let answers: readonly (ProbeRow | undefined)[];
  let stoppedBy: "budget" | undefined;
  try {
    const result = await probe(
      probeIndices.map((index) => rows[index]?.text ?? ""),
      options.task,
      options.largeModel,
      {
        concurrency: options.concurrency ?? 8,
        ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        ...options.probeLimits,
      },
    );
    answers = result.rows;
  } catch (error) {
    if (!(error instanceof ProbeStoppedError) || error.reason !== "budget") throw error;
    logger.warn("probe-stopped", { reason: "budget", unanswered: error.unanswered });
    answers = error.rows;
    stoppedBy = "budget";
  }
  const recorded = recordAnswers(options.task.labels, rows.length, probeIndices, answers, stoppedBy);
  if (knownIndices.length > 0) recordKnown(recorded, options.task.labels, rows, knownIndices, plan.known);
  const seconds = (performance.now() - started) / 1000;
  logger.info("probe-done", { ...recorded.summary });
  return { ...recorded, seconds };
}

/** Records the known answers of the rows at `indices` (an answer off the label set is unusable). */
function recordKnown(
  recorded: { answerIds: Int32Array; summary: ProbeSummary },
  labels: readonly string[],
  rows: readonly DataRow[],
  indices: readonly number[],
  known: ReadonlyMap<string, string> | undefined,
): void {
  const labelIds = new Map(labels.map((label, index) => [label, index]));
  for (const index of indices) {
    const answer = known?.get(rows[index]?.text ?? "");
    recorded.answerIds[index] = (answer === undefined ? undefined : labelIds.get(answer)) ?? unusableAnswer;
    recorded.summary.notAsked -= 1;
  }
  recorded.summary.known = indices.length;
}

/** Turns the probe's answers (one per probed row, in `probeIndices` order) into answer ids and counts. */
function recordAnswers(
  labels: readonly string[],
  rowCount: number,
  probeIndices: readonly number[],
  answers: readonly (ProbeRow | undefined)[],
  stoppedBy: "budget" | undefined,
): { answerIds: Int32Array; summary: ProbeSummary } {
  const labelIds = new Map(labels.map((label, index) => [label, index]));
  const answerIds = new Int32Array(rowCount).fill(notAsked);
  const summary: ProbeSummary = {
    asked: 0,
    answered: 0,
    unparseable: 0,
    failed: 0,
    notAsked: rowCount,
    cacheHits: 0,
    ...(stoppedBy === undefined ? {} : { stoppedBy }),
  };
  probeIndices.forEach((index, position) => {
    const row = answers[position];
    if (row === undefined) return;
    summary.asked += 1;
    summary.notAsked -= 1;
    if (row.shared === true) summary.shared = (summary.shared ?? 0) + 1;
    else if (row.cached) summary.cacheHits += 1;
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
  return { answerIds, summary };
}
