import { setMaxListeners } from "node:events";
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
import { createSecondChances, defaultSecondChanceDelayMs, type SecondChances } from "./second-chance.js";
import { defaultStallTimeoutMs, type StallWatch, stalledLmMessage, watchForStall } from "./stall-watch.js";

/** The LM's answer to one row. `label` is set only when the answer parsed to a label. */
export interface ProbeRow {
  label?: string;
  /** The raw answer text; for a failed row, the error message. */
  raw: string;
  status: "answered" | "unparseable" | "failed";
  error?: string;
  /** No call of its own: the answer came from the cache, or from an identical call in flight (`shared`). */
  cached: boolean;
  /** The answer was shared by an identical request in flight at the same time (a repeated text), not read from the cache. */
  shared?: boolean;
}

/** Counts and duration of a probe: rows, answered, unparseable, failed, cache hits, empty replies, second chances, seconds. */
export interface ProbeStats {
  rows: number;
  answered: number;
  unparseable: number;
  failed: number;
  cacheHits: number;
  /** Replies that held no text (`content: null`, ""): counted unparseable, never cached. */
  emptyReplies: number;
  /** Rows whose call failed after its retries and that were asked once more later in the run. */
  secondChances: number;
  seconds: number;
}

/** What `probe` returns: one ProbeRow per text, in input order, and its stats. */
export interface ProbeResult {
  /** One per input text, in input order. */
  rows: ProbeRow[];
  stats: ProbeStats;
}

/**
 * Settings of `probe`: concurrency, progress, cancellation, when to give up on a failing or hanging
 * LM, when to give a failed row its second chance.
 */
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
  /**
   * How long no row may finish (answered, or failed after its retries) before the probe cancels the
   * calls in flight and stops (default `defaultStallTimeoutMs`, 30 s; 0 waits forever).
   */
  stallTimeoutMs?: number;
  /**
   * A row that failed after its retries (429, 5xx, timeout, network) is asked once more after every
   * row's first chance, at least this long after its failure (default `defaultSecondChanceDelayMs`).
   */
  secondChanceDelayMs?: number;
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
  /** Rows waiting for their second chance. */
  secondChances: SecondChances;
  /** Cancels the calls in flight on a stall; aborts with the caller's signal too. */
  signal: AbortSignal;
  /** Aborts when the probe stops, for any reason: ends the waits for a second chance at once. */
  halted: AbortController;
  stall: StallWatch;
  /** The next row to ask. */
  next: number;
  /** Rows finished (answered, unparseable or failed). */
  done: number;
  stop: ProbeStop | undefined;
}

/**
 * Asks `model` to classify every text of the task. A row whose call fails after the model's retries
 * with an error that may pass (429, 5xx, timeout, network) is asked once more after every row's
 * first chance; failing again, or failing otherwise, it is recorded as "failed" (never thrown). An
 * answer off the label set is "unparseable" with its raw text. Stops early only for an
 * authentication failure, an exhausted budget, an abort, a streak of failed calls (the LM
 * unreachable: a wrong URL, a server gone down) or a stall (no row finished for `stallTimeoutMs`:
 * the calls in flight are cancelled): then it throws ProbeStoppedError carrying the rows done so far.
 */
export async function probe(
  texts: readonly string[],
  task: Task,
  model: LargeModel,
  options: ProbeOptions = {},
): Promise<ProbeResult> {
  const now = options.now ?? performance.now.bind(performance);
  const startedAt = now();
  const cancel = cancellationOf(options.signal);
  const run: ProbeRun = {
    texts,
    model,
    options,
    prompt: createClassificationPrompter(task),
    parse: createLabelParser(task.labels),
    rows: new Array(texts.length).fill(undefined),
    stats: emptyStats(texts.length),
    failures: createConsecutiveFailures(options.maxConsecutiveFailures),
    secondChances: createSecondChances(
      options.secondChanceDelayMs ?? defaultSecondChanceDelayMs,
      performance.now.bind(performance),
    ),
    signal: cancel.signal,
    halted: new AbortController(),
    stall: watchForStall(options.stallTimeoutMs ?? defaultStallTimeoutMs, (timeoutMs) => {
      halt(run, { reason: "stalled", error: new Error(stalledLmMessage(timeoutMs)) });
      cancel.abort(run.stop?.error);
    }),
    next: 0,
    done: 0,
    stop: undefined,
  };
  run.signal.addEventListener("abort", () => run.halted.abort(), { once: true });
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 8, texts.length || 1));
  reportProgress(run);
  try {
    await Promise.all(Array.from({ length: concurrency }, () => askRowsInTurn(run)));
  } finally {
    run.stall.stop();
    cancel.release();
  }
  run.stats.seconds = (now() - startedAt) / 1000;
  if (run.stop !== undefined) throw new ProbeStoppedError(run.stop.reason, run.rows, run.stop.error);
  return { rows: run.rows as ProbeRow[], stats: run.stats };
}

/** An abort signal of the probe's own that also aborts with the caller's `signal`. */
function cancellationOf(signal: AbortSignal | undefined): {
  signal: AbortSignal;
  abort(reason: unknown): void;
  release(): void;
} {
  const controller = new AbortController();
  // Every call in flight listens to this signal once, until it ends: with `concurrency` over 10,
  // Node's default cap of 10 listeners would print a false "memory leak" warning.
  setMaxListeners(0, controller.signal);
  const follow = () => controller.abort(signal?.reason);
  if (signal?.aborted) follow();
  else signal?.addEventListener("abort", follow, { once: true });
  return {
    signal: controller.signal,
    abort: (reason) => controller.abort(reason),
    release: () => signal?.removeEventListener("abort", follow),
  };
}

/** Stops the run (the first stop wins); the rows waiting for a second chance wait no longer. */
function halt(run: ProbeRun, stop: ProbeStop): void {
  run.stop ??= stop;
  run.halted.abort();
}

/** The stats of a probe of `rows` rows before any is asked. */
function emptyStats(rows: number): ProbeStats {
  return {
    rows,
    answered: 0,
    unparseable: 0,
    failed: 0,
    cacheHits: 0,
    emptyReplies: 0,
    secondChances: 0,
    seconds: 0,
  };
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

/**
 * One worker: takes the next row and asks it, then the rows due for a second chance, until none is
 * left or the probe stops.
 */
async function askRowsInTurn(run: ProbeRun): Promise<void> {
  while (run.stop === undefined) {
    if (run.signal.aborted) {
      halt(run, { reason: "aborted", error: run.options.signal?.reason ?? new LargeModelAbortedError() });
      return;
    }
    if (run.next < run.texts.length) {
      await askRow(run, run.next++, false);
      continue;
    }
    const index = await run.secondChances.next(run.halted.signal);
    if (index === undefined || run.stop !== undefined) {
      if (run.signal.aborted) continue;
      return;
    }
    await askRow(run, index, true);
  }
}

/**
 * Asks one row and records its answer or its failure (a first failure that may pass waits for its
 * second chance); an error that stops the probe records nothing.
 */
async function askRow(run: ProbeRun, index: number, secondChance: boolean): Promise<void> {
  const request = run.prompt(run.texts[index]!);
  try {
    const completion = await run.model.complete(request, { signal: run.signal });
    recordCompletion(run, index, completion);
  } catch (error) {
    const reason = stopReason(error, run.signal);
    if (reason !== undefined) {
      halt(run, { reason, error });
      return;
    }
    run.stall.progressed();
    if (!recordFailure(run, index, error, secondChance)) return;
  }
  run.stall.progressed();
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
      ...(completion.shared === true ? { shared: true } : {}),
    };
    run.stats.answered++;
  } else {
    run.rows[index] = {
      raw: completion.text,
      status: "unparseable",
      error: parsed.reason,
      cached: completion.cached,
      ...(completion.shared === true ? { shared: true } : {}),
    };
    run.stats.unparseable++;
  }
}

/**
 * Records a failed call; false when the row waits for its second chance (its failure stays in
 * `rows` until then, should the probe stop first). A streak of first failures stops the probe (the
 * LM looks unreachable); a second chance that fails again is not counted in the streak twice.
 */
function recordFailure(run: ProbeRun, index: number, error: unknown, secondChance: boolean): boolean {
  const message = describeFailure(error);
  run.rows[index] = { raw: message, status: "failed", error: message, cached: false };
  const waits = !secondChance && run.secondChances.deserves(error);
  if (waits) {
    run.secondChances.add(index);
    run.stats.secondChances++;
  } else run.stats.failed++;
  if (!secondChance && run.failures.failed()) {
    halt(run, { reason: "failing", error: new Error(failingLmMessage(run.failures.limit, message)) });
  }
  return !waits;
}

function stopReason(error: unknown, signal: AbortSignal | undefined): ProbeStopReason | undefined {
  if (error instanceof BudgetExceededError) return "budget";
  if (error instanceof AnswerCacheError) return "cache";
  if (error instanceof LargeModelAuthenticationError) return "authentication";
  if (error instanceof LargeModelAbortedError || signal?.aborted) return "aborted";
  return undefined;
}
