import { createClassificationPrompter } from "../large-models/classification-prompt.js";
import {
  createConsecutiveFailures,
  describeFailure,
  failingLmMessage,
} from "../large-models/consecutive-failures.js";
import { BudgetExceededError } from "../large-models/errors/budget-exceeded-error.js";
import { LargeModelAbortedError } from "../large-models/errors/large-model-aborted-error.js";
import { LargeModelAuthenticationError } from "../large-models/errors/large-model-authentication-error.js";
import { createLabelParser } from "../large-models/parse-label.js";
import type { LargeModel } from "../spec/large-model.js";
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

export interface ProbeStats {
  rows: number;
  answered: number;
  unparseable: number;
  failed: number;
  cacheHits: number;
  seconds: number;
}

export interface ProbeResult {
  /** One per input text, in input order. */
  rows: ProbeRow[];
  stats: ProbeStats;
}

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
  const prompt = createClassificationPrompter(task);
  const parse = createLabelParser(task.labels);
  const rows: Array<ProbeRow | undefined> = new Array(texts.length).fill(undefined);
  const stats: ProbeStats = {
    rows: texts.length,
    answered: 0,
    unparseable: 0,
    failed: 0,
    cacheHits: 0,
    seconds: 0,
  };
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 8, texts.length || 1));
  let next = 0;
  let done = 0;
  let stop: { reason: ProbeStopReason; error: unknown } | undefined;
  const failures = createConsecutiveFailures(options.maxConsecutiveFailures);

  const report = () => {
    options.onProgress?.({
      stage: "probe",
      done,
      total: texts.length,
      detail: options.progressDetail?.() ?? `${stats.cacheHits} cached`,
    });
  };

  const askRow = async (index: number): Promise<void> => {
    const request = prompt(texts[index]!);
    try {
      const completion = await model.complete(
        request,
        options.signal ? { signal: options.signal } : undefined,
      );
      if (completion.cached) stats.cacheHits++;
      failures.succeeded();
      const parsed = parse(completion.text);
      if (parsed.success) {
        rows[index] = {
          label: parsed.label,
          raw: completion.text,
          status: "answered",
          cached: completion.cached,
        };
        stats.answered++;
      } else {
        rows[index] = {
          raw: completion.text,
          status: "unparseable",
          error: parsed.reason,
          cached: completion.cached,
        };
        stats.unparseable++;
      }
    } catch (error) {
      const reason = stopReason(error, options.signal);
      if (reason !== undefined) {
        stop ??= { reason, error };
        return;
      }
      const message = describeFailure(error);
      rows[index] = { raw: message, status: "failed", error: message, cached: false };
      stats.failed++;
      if (failures.failed()) {
        stop ??= { reason: "failing", error: new Error(failingLmMessage(failures.limit, message)) };
      }
    }
    done++;
    report();
  };

  const worker = async () => {
    while (stop === undefined && next < texts.length) {
      if (options.signal?.aborted) {
        stop ??= { reason: "aborted", error: options.signal.reason ?? new LargeModelAbortedError() };
        return;
      }
      const index = next++;
      await askRow(index);
    }
  };

  report();
  await Promise.all(Array.from({ length: concurrency }, worker));
  stats.seconds = (now() - startedAt) / 1000;
  if (stop !== undefined) throw new ProbeStoppedError(stop.reason, rows, stop.error);
  return { rows: rows as ProbeRow[], stats };
}

function stopReason(error: unknown, signal: AbortSignal | undefined): ProbeStopReason | undefined {
  if (error instanceof BudgetExceededError) return "budget";
  if (error instanceof LargeModelAuthenticationError) return "authentication";
  if (error instanceof LargeModelAbortedError || signal?.aborted) return "aborted";
  return undefined;
}
