import type { AdaptedPrediction, RouteDecision } from "../../spec/adapter.js";
import { auditInBackground } from "../audit/audit-input.js";
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
  const admission = admitToLm(context, decision);
  if (!(typeof admission === "boolean" ? admission : await admission)) {
    const prediction = ssmAnswer(decision);
    recordPrediction(context, {
      text,
      endpoint,
      decision,
      prediction,
      startedAt,
      shareCapped: decision.useLm,
    });
    if (!decision.useLm && context.online !== undefined) auditInBackground(context.online, text, decision);
    return prediction;
  }
  return answerThroughLm(context, { text, endpoint, decision, startedAt }, abortSignal);
}

/**
 * Answers a batch, in order: decides each input locally, answers (and records) the SSM-routed ones
 * at once, and calls the LM for the others concurrently, under the call cap. The share cap sees
 * the inputs in their order; once the batch has made `maxLmCallsPerRequest` calls, its further
 * LM-routed inputs are answered by the SSM (route "fallback", reason "request-cap"). Each input is
 * timed on its own (see `answerThroughLm`), not from the start of the batch.
 */
export async function classifyBatch(
  context: PredictionContext,
  texts: readonly string[],
  endpoint: PredictionEndpoint,
  abortSignal?: () => AbortSignal,
): Promise<AdaptedPrediction[]> {
  const predictions: AdaptedPrediction[] = new Array(texts.length);
  const lmCalls: Promise<void>[] = [];
  for (let index = 0; index < texts.length; index += 1) {
    const text = texts[index]!;
    const startedAt = context.clock.now();
    const decision = context.adapter.decide(text);
    const requestCapped = decision.useLm && lmCalls.length >= context.maxLmCallsPerRequest;
    const admission = requestCapped ? false : admitToLm(context, decision);
    if (!(typeof admission === "boolean" ? admission : await admission)) {
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
      if (!decision.useLm && context.online !== undefined) auditInBackground(context.online, text, decision);
    } else {
      lmCalls.push(
        answerThroughLm(context, { text, endpoint, decision, startedAt }, abortSignal).then((prediction) => {
          predictions[index] = prediction;
        }),
      );
    }
  }
  await Promise.all(lmCalls);
  return predictions;
}

/** An input admitted to the LM, decided from `startedAt` on. */
interface AdmittedInput {
  text: string;
  endpoint: PredictionEndpoint;
  decision: RouteDecision;
  startedAt: number;
}

/**
 * Calls the LM for an admitted input and records its answer, timed as its decision plus its call:
 * the time it waited for a call slot (behind the other inputs of its batch, or other requests) is
 * left out.
 */
async function answerThroughLm(
  context: PredictionContext,
  { text, endpoint, decision, startedAt }: AdmittedInput,
  abortSignal: (() => AbortSignal) | undefined,
): Promise<AdaptedPrediction> {
  const queuedAt = context.clock.now();
  let slotAt = queuedAt;
  const prediction = await callLm(context, text, decision, abortSignal, (at) => {
    slotAt = at;
  });
  recordPrediction(context, {
    text,
    endpoint,
    decision,
    prediction,
    startedAt,
    waitedMs: slotAt - queuedAt,
    shareCapped: false,
  });
  return prediction;
}
