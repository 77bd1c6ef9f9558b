import type { AdaptedPrediction } from "../../spec/adapter.js";
import { callLm } from "./call-lm.js";
import { admitToLm, requestCapFallback, ssmAnswer } from "./local-answers.js";
import type { PredictionContext, PredictionEndpoint } from "./prediction-context.js";
import { recordPrediction } from "./record-prediction.js";

/**
 * Answers one input: decides it locally, then answers from the SSM or, where the router and the
 * share cap send it there, through the LM; records the answer.
 */
export async function classifyOne(
  context: PredictionContext,
  text: string,
  endpoint: PredictionEndpoint,
  abortSignal?: () => AbortSignal,
): Promise<AdaptedPrediction> {
  const startedAt = context.clock.now();
  const decision = context.adapter.decide(text);
  const toLm = admitToLm(context, decision);
  const prediction = toLm ? await callLm(context, text, decision, abortSignal) : ssmAnswer(decision);
  recordPrediction(context, {
    text,
    endpoint,
    decision,
    prediction,
    startedAt,
    shareCapped: decision.useLm && !toLm,
  });
  return prediction;
}

/**
 * Answers a batch, in order: decides every input locally first, answers (and records) the
 * SSM-routed ones at once, and calls the LM for the others concurrently, under the call cap.
 * The share cap sees the inputs in their order; once the batch has made `maxLmCallsPerRequest`
 * calls, its further LM-routed inputs are answered by the SSM (route "fallback", reason "request-cap").
 */
export async function classifyBatch(
  context: PredictionContext,
  texts: readonly string[],
  endpoint: PredictionEndpoint,
  abortSignal?: () => AbortSignal,
): Promise<AdaptedPrediction[]> {
  const startedAt = context.clock.now();
  const decisions = texts.map((text) => context.adapter.decide(text));
  const predictions: AdaptedPrediction[] = new Array(texts.length);
  const lmCalls: Promise<void>[] = [];
  for (let index = 0; index < texts.length; index += 1) {
    const decision = decisions[index]!;
    const text = texts[index]!;
    const requestCapped = decision.useLm && lmCalls.length >= context.maxLmCallsPerRequest;
    if (requestCapped || !admitToLm(context, decision)) {
      const prediction = requestCapped ? requestCapFallback(context, decision) : ssmAnswer(decision);
      predictions[index] = prediction;
      recordPrediction(context, {
        text,
        endpoint,
        decision,
        prediction,
        startedAt,
        shareCapped: decision.useLm && !requestCapped,
      });
    } else {
      lmCalls.push(
        callLm(context, text, decision, abortSignal).then((prediction) => {
          predictions[index] = prediction;
          recordPrediction(context, { text, endpoint, decision, prediction, startedAt, shareCapped: false });
        }),
      );
    }
  }
  await Promise.all(lmCalls);
  return predictions;
}
