import type { AdaptedPrediction, RouteDecision } from "../../spec/adapter.js";
import { isDeadlineAbort } from "../request-deadline.js";
import type { LmCallOutcome } from "../serve-metrics.js";
import { isUpstreamAuthenticationError, upstreamAuthenticationError } from "../upstream-failure.js";
import { fallbackAnswer } from "./local-answers.js";
import type { PredictionContext, ServedPrediction } from "./prediction-context.js";

/** What an LM call needs from the prediction context. */
export type LmCallContext = Pick<
  PredictionContext,
  "adapter" | "lmLimit" | "metrics" | "clock" | "logger" | "shutdown" | "circuitBreaker"
>;

/**
 * Answers an input through the LM (`adapter.predict`) once a call slot is free, and counts the
 * call by its outcome. The SSM answers instead, as a fallback: at once while the circuit breaker
 * refuses calls (`circuit-open`, no call made); when the request's deadline passes while the input
 * waits for a slot or during its call (`deadline`). An input whose client left (or that the server
 * cut off at shutdown) gets no LM call or has it cut short, and that is not an LM error: the SSM
 * answers it as a fallback marked `cutOff`, counted as a cut-off. Throws the 502 when the upstream
 * LLM refuses the credentials. `onSlot` is told the clock's time when the input got its call slot
 * (the end of its wait).
 */
export async function callLm(
  context: LmCallContext,
  text: string,
  decision: RouteDecision,
  abortSignal?: () => AbortSignal,
  onSlot?: (at: number) => void,
): Promise<ServedPrediction> {
  if (context.circuitBreaker?.refusesCalls() === true) return fallbackAnswer(decision, "circuit-open");
  const signal = abortSignal?.();
  try {
    return await context.lmLimit.run(() => {
      const startedAt = context.clock.now();
      onSlot?.(startedAt);
      return answerInCallSlot(context, text, decision, signal, startedAt);
    }, signal);
  } catch (error) {
    if (signal === undefined || !signal.aborted || error !== signal.reason) throw error;
    // The input left the queue for a call slot: its deadline passed, or its client went away.
    if (isDeadlineAbort(signal)) return fallbackAnswer(decision, "deadline");
    return cutOffAnswer(context, decision);
  }
}

/** Runs in a call slot: `adapter.predict` unless the request is already over, counted by how the call ended. */
async function answerInCallSlot(
  context: LmCallContext,
  text: string,
  decision: RouteDecision,
  signal: AbortSignal | undefined,
  startedAt: number,
): Promise<ServedPrediction> {
  const { adapter, metrics, clock, logger } = context;
  const seconds = () => (clock.now() - startedAt) / 1000;
  if (isAborted(signal)) {
    // The request ended (deadline, or the client left) just as this input got its slot: no LM call.
    return isDeadlineAbort(signal) ? fallbackAnswer(decision, "deadline") : cutOffAnswer(context, decision);
  }
  try {
    const prediction = await adapter.predict(text, signal === undefined ? undefined : { signal });
    // Served without an LM: no call was made, so none is counted.
    if (prediction.fallbackReason === "no-lm") return prediction;
    if (prediction.route === "fallback" && isAborted(signal))
      return abortedCall(context, decision, signal, seconds());
    metrics.recordLmCall(callOutcome(prediction), seconds());
    return prediction;
  } catch (error) {
    if (isUpstreamAuthenticationError(error)) {
      metrics.recordLmCall("auth", seconds());
      throw upstreamAuthenticationError(error);
    }
    // The adapter turns LM failures into fallbacks itself and rethrows only a caller's abort (the
    // deadline passed, or the client went away); anything that still escapes is answered the same way.
    if (isAborted(signal)) return abortedCall(context, decision, signal, seconds());
    metrics.recordLmCall("lm-error", seconds());
    logger.warn("lm-call-failed", { error: error instanceof Error ? error.message : String(error) });
    return fallbackAnswer(decision, "lm-error");
  }
}

/** A call cut short after `callSeconds`: by the request's deadline (a `deadline` fallback), else a cut-off. */
function abortedCall(
  context: LmCallContext,
  decision: RouteDecision,
  signal: AbortSignal | undefined,
  callSeconds: number,
): ServedPrediction {
  if (!isDeadlineAbort(signal)) return cutOffAnswer(context, decision, callSeconds);
  context.metrics.recordLmCall("deadline", callSeconds);
  return fallbackAnswer(decision, "deadline");
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
  return reason === "lm-timeout" ||
    reason === "lm-unparseable" ||
    reason === "deadline" ||
    reason === "circuit-open"
    ? reason
    : "lm-error";
}

/** Read through a call so that TypeScript does not narrow `aborted`, which changes under our feet. */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
