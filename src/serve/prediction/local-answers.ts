import type { AdaptedPrediction, FallbackReason, RouteDecision } from "../../spec/adapter.js";
import type { PredictionContext } from "./prediction-context.js";

/**
 * Whether an input goes to the LM: where the router sends it, while the LM-share cap allows. An
 * input the router sent that the cap keeps local is counted as a share-cap decline. An input the
 * router keeps local is answered at once; one it sends may wait for a fleet's shared budget.
 */
export function admitToLm(
  { shareBudget, metrics }: Pick<PredictionContext, "shareBudget" | "metrics">,
  decision: RouteDecision,
): boolean | Promise<boolean> {
  if (!decision.useLm) {
    shareBudget.admit(false);
    return false;
  }
  const admitted = shareBudget.admit(true);
  const count = (allowed: boolean) => {
    if (!allowed) metrics.recordShareCapDecline();
    return allowed;
  };
  return typeof admitted === "boolean" ? count(admitted) : admitted.then(count);
}

/** The SSM's answer, from the router's decision alone. */
export function ssmAnswer(decision: RouteDecision): AdaptedPrediction {
  return { label: decision.ssmLabel, route: "ssm", confidence: decision.ssmConfidence };
}

/** The SSM's answer with route "fallback", for an LM call that failed or was never made, and why. */
export function fallbackAnswer(decision: RouteDecision, reason: FallbackReason): AdaptedPrediction {
  return {
    label: decision.ssmLabel,
    route: "fallback",
    confidence: decision.ssmConfidence,
    fallbackReason: reason,
  };
}

/**
 * The SSM's answer with route "fallback" and reason "request-cap", for an input the router sent to
 * the LM once its request had spent its LM calls: no call is made, the input still counts in the
 * share budget (as one kept local) and is counted as a request-cap decline.
 */
export function requestCapFallback(
  { shareBudget, metrics }: Pick<PredictionContext, "shareBudget" | "metrics">,
  decision: RouteDecision,
): AdaptedPrediction {
  shareBudget.admit(false);
  metrics.recordRequestCapDecline();
  return {
    label: decision.ssmLabel,
    route: "fallback",
    confidence: decision.ssmConfidence,
    fallbackReason: "request-cap",
  };
}
