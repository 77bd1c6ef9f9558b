import type { LoadedAdapter } from "../adapter/adapter-runtime.js";
import { routeWithinShare } from "../adapter/lm-share-budget.js";
import { preparedChunk } from "../adapter/predict-batch.js";
import { createClassificationPrompter } from "../large-models/classification-prompt.js";
import {
  createConsecutiveFailures,
  describeFailure,
  failingLmMessage,
} from "../large-models/consecutive-failures.js";
import { BudgetExceededError } from "../large-models/errors/budget-exceeded-error.js";
import { LargeModelAuthenticationError } from "../large-models/errors/large-model-authentication-error.js";
import { createLabelParser } from "../large-models/parse-label.js";
import type { LargeModel } from "../spec/large-model.js";
import type { ProgressListener } from "../spec/logger.js";
import { EvaluationStoppedError } from "./evaluation-stopped-error.js";

/**
 * Everything eval and bench need about one labelled split, per row: the SSM's label and the
 * router score, the LM's answer for every row (the LM alone is a system too), the gate's answer
 * where the LM is called, and measured latencies. The adapted system sends a row to the LM
 * (`lmCalled`, answering `routedLabels`, else `ssmLabels`) where `score >= threshold`, within the
 * adapter's LM-share cap over the rows as one batch (`routeWithinShare`).
 */
export interface AdapterEvaluation {
  gold: string[];
  ssmLabels: string[];
  ssmConfidences: Float64Array;
  /** undefined where the LM's answer was unusable (off the label set, or the call failed). */
  lmLabels: (string | undefined)[];
  /** What the adapted system answers when it calls the LM: the gate's label, or the SSM's on an unusable answer. */
  routedLabels: string[];
  scores: Float64Array;
  threshold: number;
  adaptedLabels: string[];
  lmCalled: Uint8Array;
  /** Rows whose score reached the threshold that the adapter's LM-share cap answered with the SSM. */
  heldBackByCap: number;
  /** Per-row SSM + router time, in milliseconds. */
  ssmMs: Float64Array;
  /** Per-row LM call time (cache hits included), in milliseconds. */
  lmMs: Float64Array;
  lmTokens: { input: Float64Array; output: Float64Array };
  /** Rows whose LM answer is unusable: off the label set, or the call failed (`failedLm` of them). */
  unusableLm: number;
  /** Rows whose LM call failed after its retries (part of `unusableLm`). */
  failedLm: number;
  /** The error of the last call that failed, when one did. */
  lastLmFailure?: string;
}

/**
 * Scores every row with the adapter's SSM and router, and asks the LM about every row. Throws
 * EvaluationStoppedError when the budget runs out or `maxConsecutiveFailures` calls in a row fail
 * (the LM unreachable); a call that fails on its own counts as an unusable answer.
 */
export async function evaluateAdapter(
  adapter: LoadedAdapter,
  rows: readonly { text: string; label: string }[],
  largeModel: LargeModel,
  options: {
    concurrency?: number;
    onProgress?: ProgressListener;
    signal?: AbortSignal;
    maxConsecutiveFailures?: number;
  } = {},
): Promise<AdapterEvaluation> {
  const count = rows.length;
  const labels = adapter.task.labels;
  const gold = rows.map((row) => row.label);
  const ssmLabels = new Array<string>(count);
  const ssmConfidences = new Float64Array(count);
  const scores = new Float64Array(count);
  const ssmMs = new Float64Array(count);
  const probabilities: Float32Array[] = [];
  // An adapter with a sentence encoder encodes each chunk of texts first (batched, as serve's
  // /v1/classify does); each row's time includes its share of its chunk's encoding.
  const chunkSize = adapter.prepare === undefined ? count : preparedChunk;
  for (let start = 0; start < count; start += chunkSize) {
    const end = Math.min(count, start + chunkSize);
    let encodeMsPerRow = 0;
    if (adapter.prepare !== undefined) {
      const texts = rows.slice(start, end).map((row) => row.text);
      const started = performance.now();
      await adapter.prepare(texts, options.signal === undefined ? {} : { signal: options.signal });
      encodeMsPerRow = (performance.now() - started) / texts.length;
      options.onProgress?.({ stage: "encode the evaluation rows", done: end, total: count });
    }
    // Warm up once so the first row's time is not the JIT's, on the chunk's last row (prepared too):
    // the runtime reuses its last inspection, which would make the first row's time ~0 instead.
    if (start === 0 && end > 0) adapter.internals.inspect(rows[end - 1]?.text ?? "");
    for (let row = start; row < end; row += 1) {
      const started = performance.now();
      const inspected = adapter.internals.inspect(rows[row]?.text ?? "");
      ssmMs[row] = performance.now() - started + encodeMsPerRow;
      ssmLabels[row] = labels[inspected.ssmLabelId] ?? "";
      ssmConfidences[row] = inspected.ssmConfidence;
      scores[row] = inspected.score;
      probabilities.push(inspected.probabilities);
    }
  }

  const prompter = createClassificationPrompter(adapter.task);
  const parser = createLabelParser(labels);
  const lmLabels = new Array<string | undefined>(count).fill(undefined);
  const lmMs = new Float64Array(count);
  const inputTokens = new Float64Array(count);
  const outputTokens = new Float64Array(count);
  let next = 0;
  let done = 0;
  let unusableLm = 0;
  let failedLm = 0;
  let lastLmFailure: string | undefined;
  let stop: { why: string; cause: unknown } | undefined;
  const failures = createConsecutiveFailures(options.maxConsecutiveFailures);
  const worker = async (): Promise<void> => {
    while (next < count && stop === undefined) {
      const row = next;
      next += 1;
      options.signal?.throwIfAborted();
      const started = performance.now();
      try {
        const completion = await largeModel.complete(
          prompter(rows[row]?.text ?? ""),
          options.signal === undefined ? {} : { signal: options.signal },
        );
        failures.succeeded();
        const parsed = parser(completion.text);
        if (parsed.success) lmLabels[row] = parsed.label;
        else unusableLm += 1;
        inputTokens[row] = completion.usage.promptTokens;
        outputTokens[row] = completion.usage.completionTokens;
      } catch (error) {
        if (error instanceof LargeModelAuthenticationError) throw error;
        if (options.signal?.aborted) throw error;
        if (error instanceof BudgetExceededError) {
          stop ??= { why: error.message, cause: error };
          return;
        }
        unusableLm += 1;
        failedLm += 1;
        lastLmFailure = describeFailure(error);
        if (failures.failed()) {
          stop ??= { why: failingLmMessage(failures.limit, lastLmFailure), cause: error };
        }
      }
      lmMs[row] = performance.now() - started;
      done += 1;
      options.onProgress?.({ stage: "ask the LM about the evaluation rows", done, total: count });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 8) }, worker));
  if (stop !== undefined) throw new EvaluationStoppedError(stop.why, done, count, stop.cause);

  const threshold = adapter.internals.threshold;
  const routedToLm = routeWithinShare(scores, threshold, adapter.maxLmShare);
  const routedLabels = new Array<string>(count);
  const adaptedLabels = new Array<string>(count);
  const lmCalled = new Uint8Array(count);
  let heldBackByCap = 0;
  for (let row = 0; row < count; row += 1) {
    if ((scores[row] ?? 0) >= threshold && routedToLm[row] === 0) heldBackByCap += 1;
    routedLabels[row] = adapter.internals.combine(
      probabilities[row] ?? new Float32Array(0),
      lmLabels[row],
    ).label;
    const toLm = routedToLm[row] === 1;
    lmCalled[row] = toLm ? 1 : 0;
    adaptedLabels[row] = toLm ? (routedLabels[row] ?? "") : (ssmLabels[row] ?? "");
  }
  return {
    gold,
    ssmLabels,
    ssmConfidences,
    lmLabels,
    routedLabels,
    scores,
    threshold,
    adaptedLabels,
    lmCalled,
    heldBackByCap,
    ssmMs,
    lmMs,
    lmTokens: { input: inputTokens, output: outputTokens },
    unusableLm,
    failedLm,
    ...(lastLmFailure === undefined ? {} : { lastLmFailure }),
  };
}

export function accuracyOf(gold: readonly string[], predicted: readonly (string | undefined)[]): number {
  if (gold.length === 0) return 0;
  let right = 0;
  gold.forEach((label, index) => {
    if (predicted[index] === label) right += 1;
  });
  return right / gold.length;
}
