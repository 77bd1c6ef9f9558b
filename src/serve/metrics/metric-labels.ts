import type { Route } from "../../spec/adapter.js";

/** The endpoints whose requests are counted, as the `endpoint` label of the HTTP metrics. */
export type ServeEndpoint = "chat_completions" | "classify" | "models" | "healthz" | "metrics";

/**
 * How one LM call ended, as seen by the server ("cut-off": the client went away, or the server shut
 * down, before it ended: not an LM error, see `CutOffReason`).
 */
export type LmCallOutcome = "ok" | "lm-timeout" | "lm-error" | "lm-unparseable" | "auth" | "cut-off";

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
];

/** The outcomes that are LM errors (counted in `easy_adapt_lm_errors_total`). */
export const lmErrorOutcomes: readonly LmCallOutcome[] = ["lm-timeout", "lm-error", "lm-unparseable", "auth"];
