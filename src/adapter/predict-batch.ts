import type { AdaptedPrediction } from "../spec/adapter.js";
import { answerWithLm, ssmAnswer } from "./answer-with-lm.js";
import type { Inspection } from "./inspect-text.js";
import { routeWithinShare } from "./lm-share-budget.js";
import type { PredictionContext } from "./predict-text.js";

/** Texts encoded together by an adapter with a sentence encoder (well under what it keeps prepared): predictBatch's and eval's chunks. */
export const preparedChunk = 64;

/**
 * Several texts, as `Adapter.predictBatch`: all inspected first (prepared chunk by chunk), routed
 * within the LM-share cap over the batch, then answered in order, `concurrency` LM calls at a time
 * (default 8).
 */
export async function predictBatch(
  context: PredictionContext,
  texts: readonly string[],
  options?: { signal?: AbortSignal; concurrency?: number },
): Promise<AdaptedPrediction[]> {
  const { inspections, scores } = await inspectInChunks(context, texts, options?.signal);
  const routed = routeWithinShare(scores, context.threshold, context.shareCap);
  const batch: BatchAnswers = {
    texts,
    inspections,
    routed,
    signal: options?.signal,
    predictions: new Array<AdaptedPrediction>(texts.length),
    next: 0,
    failed: false,
  };
  await Promise.all(
    Array.from({ length: Math.max(1, options?.concurrency ?? 8) }, () => answerBatch(context, batch)),
  );
  return batch.predictions;
}

/** Inspects every text, preparing them `preparedChunk` at a time first when the small model needs it. */
async function inspectInChunks(
  context: PredictionContext,
  texts: readonly string[],
  signal: AbortSignal | undefined,
): Promise<{ inspections: Inspection[]; scores: Float64Array }> {
  const signalOption = signal === undefined ? {} : { signal };
  const inspections: Inspection[] = [];
  const scores = new Float64Array(texts.length);
  for (let start = 0; start < texts.length; start += preparedChunk) {
    const chunk = texts.slice(start, start + preparedChunk);
    if (context.prepare !== undefined) await context.prepare(chunk, signalOption);
    for (const [offset, text] of chunk.entries()) {
      // inspect() reuses its result for a repeated text: copy out what is kept.
      const inspected = { ...context.inspect(text) };
      inspections.push(inspected);
      scores[start + offset] = inspected.score;
    }
  }
  return { inspections, scores };
}

/** A batch being answered by several workers: the next text to take, and whether a call has thrown. */
interface BatchAnswers {
  texts: readonly string[];
  inspections: readonly Inspection[];
  /** 1 where the text goes to the LM. */
  routed: Uint8Array;
  signal: AbortSignal | undefined;
  predictions: AdaptedPrediction[];
  next: number;
  /** Once a call throws (an authentication failure, an abort), no worker starts another. */
  failed: boolean;
}

/** One worker: takes the batch's next text until none is left or a call has thrown, and answers it. */
async function answerBatch(context: PredictionContext, batch: BatchAnswers): Promise<void> {
  while (batch.next < batch.texts.length && !batch.failed) {
    const index = batch.next;
    batch.next += 1;
    const inspected = batch.inspections[index];
    if (inspected === undefined) continue;
    try {
      batch.predictions[index] =
        batch.routed[index] === 1
          ? await answerWithLm(context.lm, batch.texts[index] ?? "", inspected, batch.signal)
          : ssmAnswer(context.lm.labels, inspected);
    } catch (error) {
      batch.failed = true;
      throw error;
    }
  }
}
