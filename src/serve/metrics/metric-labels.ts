import type { FallbackReason, Route } from "../../spec/adapter.js";

/** The endpoints whose requests are counted, as the `endpoint` label of the HTTP metrics. */
export type ServeEndpoint = "chat_completions" | "classify" | "models" | "healthz" | "metrics";

/**
 * How one LM call ended, as seen by the server ("client-aborted": the client went away first;
 * "deadline": the request's deadline cut it; "circuit-open": the breaker refused a retry).
 */
export type LmCallOutcome = "ok" | FallbackReason | "auth" | "client-aborted";

/** The routes of an answer, in the order their series are rendered. */
export const routes: readonly Route[] = ["ssm", "lm", "fallback"];

/** The LM call outcomes, in the order their series are rendered. */
export const lmOutcomes: readonly LmCallOutcome[] = [
  "ok",
  "lm-timeout",
  "lm-error",
  "lm-unparseable",
  "auth",
  "client-aborted",
  "deadline",
  "circuit-open",
];

/** The fallback reasons, in the order their series are rendered (others appear as first seen). */
export const fallbackReasons: readonly FallbackReason[] = [
  "lm-timeout",
  "lm-error",
  "lm-unparseable",
  "deadline",
  "circuit-open",
];
