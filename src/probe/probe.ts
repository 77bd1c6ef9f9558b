import { createClassificationPrompter } from "../large-models/classification-prompt.js";
import {
  type ConsecutiveFailures,
  createConsecutiveFailures,
  describeFailure,
  failingLmMessage,
} from "../large-models/consecutive-failures.js";
import { isEmptyReply } from "../large-models/empty-reply.js";
import { AnswerCacheError } from "../large-models/errors/answer-cache-error.js";
import { BudgetExceededError } from "../large-models/errors/budget-exceeded-error.js";
import { LargeModelAbortedError } from "../large-models/errors/large-model-aborted-error.js";
import { LargeModelAuthenticationError } from "../large-models/errors/large-model-authentication-error.js";
import { createLabelParser, type LabelParser } from "../large-models/parse-label.js";
import type { Completion, CompletionRequest, LargeModel } from "../spec/large-model.js";
import type { ProgressListener } from "../spec/logger.js";
import type { Task } from "../spec/task.js";
import { ProbeStoppedError, type ProbeStopReason } from "./probe-stopped-error.js";

/** The LM's answer to one row. `label` is set only when the answer parsed to a label. */
export interface ProbeRow {
  label?: string;
  /** The raw answer text; for a failed row, the error message. */
  raw: string;
  status: "answered" | "unparseable" | "failed";
  error?: string;
  cached: boolean;
}

/** Counts and duration of a probe: rows, answered, unparseable, failed, cache hits, seconds. */
export interface ProbeStats {
  rows: number;
  answered: number;
  unparseable: number;
  failed: number;
  cacheHits: number;
  /** Replies that held no text (`content: null`, ""): counted unparseable, never cached. */
  emptyReplies: number;
  seconds: number;
}

/** What `probe` returns: one ProbeRow per text, in input order, and its stats. */
export interface ProbeResult {
  /** One per input text, in input order. */
  rows: ProbeRow[];
  stats: ProbeStats;
}

/** Settings of `probe`: concurrency, progress, cancellation, when to give up on a failing LM. */
export interface ProbeOptions {
  /** Rows asked at once (default 8). */
  concurrency?: number;
  /** Called after each row with stage "probe". */
  onProgress?: ProgressListener;
  /** Extra text for progress lines (spend, ...). */
  progressDetail?: () => string;
  signal?: AbortSignal;
  now?: () => number;
  /** Calls that may fail in a row before the probe stops (default `defaultMaxConsecutiveFailures`). */
  maxConsecutiveFailures?: number;
}

/** Why the probe stopped early, and the error that made it stop. */
interface ProbeStop {
  reason: ProbeStopReason;
  error: unknown;
}

/** The state one probe shares between its workers: the rows answered so far and how to go on. */
interface ProbeRun {
  texts: readonly string[];
  model: LargeModel;
  options: ProbeOptions;
  prompt: (text: string) => CompletionRequest;
  parse: LabelParser;
  rows: Array<ProbeRow | undefined>;
  stats: ProbeStats;
  failures: ConsecutiveFailures;
  /** The next row to ask. */
  next: number;
  /** Rows finished (answered, unparseable or failed). */
  done: number;
  stop: ProbeStop | undefined;
}

/**
 * Asks `model` to classify every text of the task. A row whose call fails after the model's retries
 * is recorded as "failed" (never thrown); an answer off the label set as "unparseable" with its raw
 * text. Stops early only for an authentication failure, an exhausted budget, an abort or a streak of
 * failed calls (the LM unreachable: a wrong URL, a server gone down): then it throws
 * ProbeStoppedError carrying the rows done so far.
 */
export async function probe(
  texts: readonly string[],
  task: Task,
  model: LargeModel,
  options: ProbeOptions = {},
): Promise<ProbeResult> {
  const now = options.now ?? performance.now.bind(performance);
  const startedAt = now();
  const run: ProbeRun = {
    texts,
    model,
    options,
    prompt: createClassificationPrompter(task),
    parse: createLabelParser(task.labels),
    rows: new Array(texts.length).fill(undefined),
    stats: {
      rows: texts.length,
      answered: 0,
      unparseable: 0,
      failed: 0,
      cacheHits: 0,
      emptyReplies: 0,
      seconds: 0,
    },
    failures: createConsecutiveFailures(options.maxConsecutiveFailures),
    next: 0,
    done: 0,
    stop: undefined,
  };
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 8, texts.length || 1));
  reportProgress(run);
  await Promise.all(Array.from({ length: concurrency }, () => askRowsInTurn(run)));
  run.stats.seconds = (now() - startedAt) / 1000;
  if (run.stop !== undefined) throw new ProbeStoppedError(run.stop.reason, run.rows, run.stop.error);
  return { rows: run.rows as ProbeRow[], stats: run.stats };
}

/** Calls `onProgress` with the rows done so far. */
function reportProgress(run: ProbeRun): void {
  run.options.onProgress?.({
    stage: "probe",
    done: run.done,
    total: run.texts.length,
    detail: run.options.progressDetail?.() ?? `${run.stats.cacheHits} cached`,
  });
}

/** One worker: takes the next row and asks it, until every row is taken or the probe stops. */
async function askRowsInTurn(run: ProbeRun): Promise<void> {
  const { signal } = run.options;
  while (run.stop === undefined && run.next < run.texts.length) {
    if (signal?.aborted) {
      run.stop ??= { reason: "aborted", error: signal.reason ?? new LargeModelAbortedError() };
      return;
    }
    const index = run.next++;
    await askRow(run, index);
  }
}

/** Asks one row and records its answer or its failure; an error that stops the probe records nothing. */
async function askRow(run: ProbeRun, index: number): Promise<void> {
  const request = run.prompt(run.texts[index]!);
  const { signal } = run.options;
  try {
    const completion = await run.model.complete(request, signal ? { signal } : undefined);
    recordCompletion(run, index, completion);
  } catch (error) {
    const reason = stopReason(error, signal);
    if (reason !== undefined) {
      run.stop ??= { reason, error };
      return;
    }
    recordFailure(run, index, error);
  }
  run.done++;
  reportProgress(run);
}

/** Records an answer: "answered" when it parses to a label, "unparseable" otherwise. */
function recordCompletion(run: ProbeRun, index: number, completion: Completion): void {
  if (completion.cached) run.stats.cacheHits++;
  if (isEmptyReply(completion.text)) run.stats.emptyReplies++;
  run.failures.succeeded();
  const parsed = run.parse(completion.text);
  if (parsed.success) {
    run.rows[index] = {
      label: parsed.label,
      raw: completion.text,
      status: "answered",
      cached: completion.cached,
    };
    run.stats.answered++;
  } else {
    run.rows[index] = {
      raw: completion.text,
      status: "unparseable",
      error: parsed.reason,
      cached: completion.cached,
    };
    run.stats.unparseable++;
  }
}

/** Records a failed call; a streak of them stops the probe (the LM looks unreachable). */
function recordFailure(run: ProbeRun, index: number, error: unknown): void {
  const message = describeFailure(error);
  run.rows[index] = { raw: message, status: "failed", error: message, cached: false };
  run.stats.failed++;
  if (run.failures.failed()) {
    run.stop ??= { reason: "failing", error: new Error(failingLmMessage(run.failures.limit, message)) };
  }
}

function stopReason(error: unknown, signal: AbortSignal | undefined): ProbeStopReason | undefined {
  if (error instanceof BudgetExceededError) return "budget";
  if (error instanceof AnswerCacheError) return "cache";
  if (error instanceof LargeModelAuthenticationError) return "authentication";
  if (error instanceof LargeModelAbortedError || signal?.aborted) return "aborted";
  return undefined;
}
