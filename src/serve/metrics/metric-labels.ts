import type { FallbackReason, Route } from "../../spec/adapter.js";

/** The endpoints whose requests are counted, as the `endpoint` label of the HTTP metrics. */
export type ServeEndpoint = "chat_completions" | "classify" | "models" | "healthz" | "metrics";

/**
 * How one LM call ended, as seen by the server ("cut-off": the client went away, or the server shut
 * down, before it ended: not an LM error, see `CutOffReason`; "deadline": the request's deadline
 * cut it; "circuit-open": the breaker refused a retry).
 */
export type LmCallOutcome =
  | "ok"
  | "lm-timeout"
  | "lm-error"
  | "lm-unparseable"
  | "auth"
  | "cut-off"
  | "deadline"
  | "circuit-open";

/** Why an LM-routed input lost its LM call: its client went away, or the server cut it off at shutdown. */
export type CutOffReason = "client-disconnect" | "shutdown";

/** The cut-off reasons, in the order their series are rendered. */
export const cutOffReasons: readonly CutOffReason[] = ["client-disconnect", "shutdown"];

/** The routes of an answer, in the order their series are rendered. */
export const routes: readonly Route[] = ["ssm", "lm", "fallback"];

/** The LM call outcomes, in the order their series are rendered. */
export const lmOutcomes: readonly LmCallOutcome[] = [
  "ok",
  "lm-timeout",
  "lm-error",
  "lm-unparseable",
  "auth",
  "cut-off",
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
  "request-cap",
  "no-lm",
];

/** The outcomes that are LM errors (counted in `easy_adapt_lm_errors_total`). */
export const lmErrorOutcomes: readonly LmCallOutcome[] = ["lm-timeout", "lm-error", "lm-unparseable", "auth"];
