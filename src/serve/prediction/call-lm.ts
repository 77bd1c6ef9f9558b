import type { AdaptedPrediction, RouteDecision } from "../../spec/adapter.js";
import { isDeadlineAbort } from "../request-deadline.js";
import { isUpstreamAuthenticationError, upstreamAuthenticationError } from "../upstream-failure.js";
import { fallbackAnswer } from "./local-answers.js";
import type { PredictionContext } from "./prediction-context.js";

/** What an LM call needs from the prediction context. */
export type LmCallContext = Pick<
  PredictionContext,
  "adapter" | "lmLimit" | "metrics" | "clock" | "logger" | "circuitBreaker"
>;

/**
 * Answers an input through the LM (`adapter.predict`) once a call slot is free, and counts the
 * call by its outcome. The SSM answers instead, as a fallback: at once while the circuit breaker
 * refuses calls (`circuit-open`, no call made); when the request's deadline passes while the input
 * waits for a slot or during its call (`deadline`); when the client left. Throws the 502 when the
 * upstream LLM refuses the credentials.
 */
export async function callLm(
  context: LmCallContext,
  text: string,
  decision: RouteDecision,
  abortSignal?: () => AbortSignal,
): Promise<AdaptedPrediction> {
  if (context.circuitBreaker?.refusesCalls() === true) return fallbackAnswer(decision, "circuit-open");
  const signal = abortSignal?.();
  try {
    return await context.lmLimit.run(() => answerInCallSlot(context, text, decision, signal), signal);
  } catch (error) {
    if (signal === undefined || !signal.aborted || error !== signal.reason) throw error;
    // The input left the queue for a call slot: its deadline passed, or its client went away.
    if (isDeadlineAbort(signal)) return fallbackAnswer(decision, "deadline");
    context.metrics.recordLmCall("client-aborted", 0);
    return fallbackAnswer(decision, "lm-error");
  }
}

/** Runs in a call slot: `adapter.predict` unless the request is already over, counted by how the call ended. */
async function answerInCallSlot(
  { adapter, metrics, clock, logger }: LmCallContext,
  text: string,
  decision: RouteDecision,
  signal: AbortSignal | undefined,
): Promise<AdaptedPrediction> {
  const startedAt = clock.now();
  if (isAborted(signal)) {
    // The request ended (deadline, or the client left) just as this input got its slot: no LM call.
    if (isDeadlineAbort(signal)) return fallbackAnswer(decision, "deadline");
    metrics.recordLmCall("client-aborted", 0);
    return fallbackAnswer(decision, "lm-error");
  }
  try {
    const prediction = await adapter.predict(text, signal === undefined ? undefined : { signal });
    metrics.recordLmCall(
      prediction.route === "fallback" ? (prediction.fallbackReason ?? "lm-error") : "ok",
      (clock.now() - startedAt) / 1000,
    );
    return prediction;
  } catch (error) {
    if (isUpstreamAuthenticationError(error)) {
      metrics.recordLmCall("auth", (clock.now() - startedAt) / 1000);
      throw upstreamAuthenticationError(error);
    }
    // The adapter turns LM failures into fallbacks itself and rethrows only a caller's abort (the
    // deadline passed, or the client went away); anything that still escapes is answered the same way.
    const outcome = isDeadlineAbort(signal) ? "deadline" : isAborted(signal) ? "client-aborted" : "lm-error";
    metrics.recordLmCall(outcome, (clock.now() - startedAt) / 1000);
    if (outcome === "lm-error") {
      logger.warn("lm-call-failed", { error: error instanceof Error ? error.message : String(error) });
    }
    return fallbackAnswer(decision, outcome === "deadline" ? "deadline" : "lm-error");
  }
}

/** Read through a call so that TypeScript does not narrow `aborted`, which changes under our feet. */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
