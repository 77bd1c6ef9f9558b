import type { Route } from "../../spec/adapter.js";

/** The endpoints whose requests are counted, as the `endpoint` label of the HTTP metrics. */
export type ServeEndpoint = "chat_completions" | "classify" | "models" | "healthz" | "metrics";

/** How one LM call ended, as seen by the server ("client-aborted": the client went away first). */
export type LmCallOutcome = "ok" | "lm-timeout" | "lm-error" | "lm-unparseable" | "auth" | "client-aborted";

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
];
