import type { AdaptedPrediction, RouteDecision } from "../../spec/adapter.js";
import type { LmCallOutcome } from "../serve-metrics.js";
import { isUpstreamAuthenticationError, upstreamAuthenticationError } from "../upstream-failure.js";
import { lmErrorFallback } from "./local-answers.js";
import type { PredictionContext, ServedPrediction } from "./prediction-context.js";

/** What an LM call needs from the prediction context. */
export type LmCallContext = Pick<
  PredictionContext,
  "adapter" | "lmLimit" | "metrics" | "clock" | "logger" | "shutdown"
>;

/**
 * Answers an input through the LM (`adapter.predict`) once a call slot is free, and counts the
 * call by its outcome. An input whose client left (or that the server cut off at shutdown) while
 * it waited gets no LM call, and one whose call it cut short is not an LM error: the SSM answers
 * it as a fallback marked `cutOff`, counted as a cut-off. Throws the 502 when the upstream LLM
 * refuses the credentials. `onSlot` is told the clock's time when the input got its call slot
 * (the end of its wait).
 */
export function callLm(
  context: LmCallContext,
  text: string,
  decision: RouteDecision,
  abortSignal?: () => AbortSignal,
  onSlot?: (at: number) => void,
): Promise<ServedPrediction> {
  return context.lmLimit.run(() => {
    const startedAt = context.clock.now();
    onSlot?.(startedAt);
    return answerInCallSlot(context, text, decision, abortSignal, startedAt);
  });
}

/** Runs in a call slot: `adapter.predict` unless the client already left, counted by how the call ended. */
async function answerInCallSlot(
  context: LmCallContext,
  text: string,
  decision: RouteDecision,
  abortSignal: (() => AbortSignal) | undefined,
  startedAt: number,
): Promise<ServedPrediction> {
  const { adapter, metrics, clock, logger } = context;
  const signal = abortSignal?.();
  // The client left while this input waited for a call slot: no LM call for nobody.
  if (isAborted(signal)) return cutOffAnswer(context, decision);
  const seconds = () => (clock.now() - startedAt) / 1000;
  try {
    const prediction = await adapter.predict(text, signal === undefined ? undefined : { signal });
    // Served without an LM: no call was made, so none is counted.
    if (prediction.fallbackReason === "no-lm") return prediction;
    if (prediction.route === "fallback" && isAborted(signal))
      return cutOffAnswer(context, decision, seconds());
    metrics.recordLmCall(callOutcome(prediction), seconds());
    return prediction;
  } catch (error) {
    if (isUpstreamAuthenticationError(error)) {
      metrics.recordLmCall("auth", seconds());
      throw upstreamAuthenticationError(error);
    }
    // The adapter turns LM failures into fallbacks itself and rethrows only a caller's abort (the
    // client went away); anything that still escapes is answered the same way, not failed.
    if (isAborted(signal)) return cutOffAnswer(context, decision, seconds());
    metrics.recordLmCall("lm-error", seconds());
    logger.warn("lm-call-failed", { error: error instanceof Error ? error.message : String(error) });
    return lmErrorFallback(decision);
  }
}

/**
 * The SSM's answer (route "fallback", marked `cutOff`) to an input whose client left or that the
 * server cut off at shutdown, counted by that reason; its LM call, when one was started and cut
 * short after `callSeconds`, is counted as a call that was cut off, not as an LM error.
 */
function cutOffAnswer(
  { metrics, shutdown }: Pick<LmCallContext, "metrics" | "shutdown">,
  decision: RouteDecision,
  callSeconds?: number,
): ServedPrediction {
  const reason = shutdown?.aborted === true ? "shutdown" : "client-disconnect";
  metrics.recordCutOff(reason);
  if (callSeconds !== undefined) metrics.recordLmCall("cut-off", callSeconds);
  return { label: decision.ssmLabel, route: "fallback", confidence: decision.ssmConfidence, cutOff: reason };
}

/** How an answered LM call is counted: ok, or the reason its answer was not used. */
function callOutcome(prediction: AdaptedPrediction): LmCallOutcome {
  if (prediction.route !== "fallback") return "ok";
  const reason = prediction.fallbackReason;
  return reason === "lm-timeout" || reason === "lm-unparseable" ? reason : "lm-error";
}

/** Read through a call so that TypeScript does not narrow `aborted`, which changes under our feet. */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
