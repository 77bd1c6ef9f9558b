import type { LoadedAdapter } from "../adapter/adapter-runtime.js";
import { routeWithinShare } from "../adapter/lm-share-budget.js";
import { preparedChunk } from "../adapter/predict-batch.js";
import type { LargeModel } from "../spec/large-model.js";
import type { ProgressListener } from "../spec/logger.js";
import { askLmAboutRows } from "./ask-lm-about-rows.js";

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
  const gold = rows.map((row) => row.label);
  const ssm = await inspectRows(adapter, rows, options);
  const lm = await askLmAboutRows(adapter.task, rows, largeModel, options);
  const routing = routeRows(adapter, ssm, lm.lmLabels);
  return {
    gold,
    ssmLabels: ssm.ssmLabels,
    ssmConfidences: ssm.ssmConfidences,
    lmLabels: lm.lmLabels,
    routedLabels: routing.routedLabels,
    scores: ssm.scores,
    threshold: routing.threshold,
    adaptedLabels: routing.adaptedLabels,
    lmCalled: routing.lmCalled,
    heldBackByCap: routing.heldBackByCap,
    ssmMs: ssm.ssmMs,
    lmMs: lm.lmMs,
    lmTokens: { input: lm.inputTokens, output: lm.outputTokens },
    unusableLm: lm.unusableLm,
    failedLm: lm.failedLm,
    ...(lm.lastLmFailure === undefined ? {} : { lastLmFailure: lm.lastLmFailure }),
  };
}

/** What the adapter's small model and router say about each row, and how long each took. */
interface RowInspections {
  ssmLabels: string[];
  ssmConfidences: Float64Array;
  scores: Float64Array;
  /** Per-row SSM + router time (with its share of its chunk's encoding), in milliseconds. */
  ssmMs: Float64Array;
  probabilities: Float32Array[];
}

/**
 * Inspects every row with the adapter, timing each. An adapter with a sentence encoder encodes
 * each chunk of texts first (batched, as serve's /v1/classify does); each row's time includes its
 * share of its chunk's encoding.
 */
async function inspectRows(
  adapter: LoadedAdapter,
  rows: readonly { text: string }[],
  options: { onProgress?: ProgressListener; signal?: AbortSignal },
): Promise<RowInspections> {
  const count = rows.length;
  const labels = adapter.task.labels;
  const inspections: RowInspections = {
    ssmLabels: new Array<string>(count),
    ssmConfidences: new Float64Array(count),
    scores: new Float64Array(count),
    ssmMs: new Float64Array(count),
    probabilities: [],
  };
  const chunkSize = adapter.prepare === undefined ? count : preparedChunk;
  for (let start = 0; start < count; start += chunkSize) {
    const end = Math.min(count, start + chunkSize);
    const encodeMsPerRow = await prepareChunk(adapter, rows, { start, end }, options);
    // Warm up once so the first row's time is not the JIT's, on the chunk's last row (prepared too):
    // the runtime reuses its last inspection, which would make the first row's time ~0 instead.
    if (start === 0 && end > 0) adapter.internals.inspect(rows[end - 1]?.text ?? "");
    for (let row = start; row < end; row += 1) {
      const started = performance.now();
      const inspected = adapter.internals.inspect(rows[row]?.text ?? "");
      inspections.ssmMs[row] = performance.now() - started + encodeMsPerRow;
      inspections.ssmLabels[row] = labels[inspected.ssmLabelId] ?? "";
      inspections.ssmConfidences[row] = inspected.ssmConfidence;
      inspections.scores[row] = inspected.score;
      inspections.probabilities.push(inspected.probabilities);
    }
  }
  return inspections;
}

/** Encodes the rows `start` to `end` when the adapter prepares texts; its time per row in milliseconds (0 without). */
async function prepareChunk(
  adapter: LoadedAdapter,
  rows: readonly { text: string }[],
  chunk: { start: number; end: number },
  options: { onProgress?: ProgressListener; signal?: AbortSignal },
): Promise<number> {
  if (adapter.prepare === undefined) return 0;
  const texts = rows.slice(chunk.start, chunk.end).map((row) => row.text);
  const started = performance.now();
  await adapter.prepare(texts, options.signal === undefined ? {} : { signal: options.signal });
  const encodeMsPerRow = (performance.now() - started) / texts.length;
  options.onProgress?.({ stage: "encode the evaluation rows", done: chunk.end, total: rows.length });
  return encodeMsPerRow;
}

/**
 * Where the adapted system answers each row: the LM (through the gate) where its score reaches the
 * threshold, within the adapter's LM-share cap over the rows as one batch; the SSM elsewhere.
 */
function routeRows(
  adapter: LoadedAdapter,
  inspections: RowInspections,
  lmLabels: readonly (string | undefined)[],
): Pick<AdapterEvaluation, "routedLabels" | "threshold" | "adaptedLabels" | "lmCalled" | "heldBackByCap"> {
  const { scores, ssmLabels, probabilities } = inspections;
  const count = scores.length;
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
  return { routedLabels, threshold, adaptedLabels, lmCalled, heldBackByCap };
}

export function accuracyOf(gold: readonly string[], predicted: readonly (string | undefined)[]): number {
  if (gold.length === 0) return 0;
  let right = 0;
  gold.forEach((label, index) => {
    if (predicted[index] === label) right += 1;
  });
  return right / gold.length;
}
