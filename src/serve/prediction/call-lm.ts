import type { AdaptedPrediction, RouteDecision } from "../../spec/adapter.js";
import { isUpstreamAuthenticationError, upstreamAuthenticationError } from "../upstream-failure.js";
import { lmErrorFallback } from "./local-answers.js";
import type { PredictionContext } from "./prediction-context.js";

/** What an LM call needs from the prediction context. */
export type LmCallContext = Pick<PredictionContext, "adapter" | "lmLimit" | "metrics" | "clock" | "logger">;

/**
 * Answers an input through the LM (`adapter.predict`) once a call slot is free, and counts the
 * call by its outcome. An input whose client left while it waited gets no LM call: the SSM answers
 * it as a fallback. Throws the 502 when the upstream LLM refuses the credentials. `onSlot` is told
 * the clock's time when the input got its call slot (the end of its wait).
 */
export function callLm(
  context: LmCallContext,
  text: string,
  decision: RouteDecision,
  abortSignal?: () => AbortSignal,
  onSlot?: (at: number) => void,
): Promise<AdaptedPrediction> {
  return context.lmLimit.run(() => {
    const startedAt = context.clock.now();
    onSlot?.(startedAt);
    return answerInCallSlot(context, text, decision, abortSignal, startedAt);
  });
}

/** Runs in a call slot: `adapter.predict` unless the client already left, counted by how the call ended. */
async function answerInCallSlot(
  { adapter, metrics, clock, logger }: LmCallContext,
  text: string,
  decision: RouteDecision,
  abortSignal: (() => AbortSignal) | undefined,
  startedAt: number,
): Promise<AdaptedPrediction> {
  const signal = abortSignal?.();
  if (isAborted(signal)) {
    // The client left while this input waited for a call slot: no LM call for nobody.
    metrics.recordLmCall("client-aborted", 0);
    return lmErrorFallback(decision);
  }
  try {
    const prediction = await adapter.predict(text, signal === undefined ? undefined : { signal });
    // Served without an LM: no call was made, so none is counted.
    if (prediction.fallbackReason === "no-lm") return prediction;
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
    // client went away); anything that still escapes is answered the same way, not failed.
    const clientAborted = isAborted(signal);
    metrics.recordLmCall(clientAborted ? "client-aborted" : "lm-error", (clock.now() - startedAt) / 1000);
    if (!clientAborted) {
      logger.warn("lm-call-failed", { error: error instanceof Error ? error.message : String(error) });
    }
    return lmErrorFallback(decision);
  }
}

/** Read through a call so that TypeScript does not narrow `aborted`, which changes under our feet. */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
