import type { ShareBudget } from "../../adapter/fleet-share-budget.js";
import type { CircuitBreaker } from "../../large-models/circuit-breaker.js";
import type { AdaptedPrediction, Adapter } from "../../spec/adapter.js";
import type { Logger } from "../../spec/logger.js";
import type { ConcurrencyLimit } from "../../util/concurrency-limit.js";
import type { OnlineContext } from "../audit/audit-input.js";
import type { DecisionLog, DecisionRecord } from "../decision-log.js";
import type { ServeClock } from "../serve-clock.js";
import type { CutOffReason, ServeMetrics } from "../serve-metrics.js";

/** The endpoint an answer was asked for, as the decision log names it. */
export type PredictionEndpoint = DecisionRecord["endpoint"];

/** What the prediction steps share: the adapter, the LM-call cap, the share budget and the records. */
export interface PredictionContext {
  adapter: Adapter;
  /** The model name the adapter is served as: the decision log names it (the server always sets it). */
  adapterName?: string | undefined;
  lmLimit: ConcurrencyLimit;
  /** The breaker on the upstream, when there is one: while it refuses calls, the SSM answers at once. */
  circuitBreaker?: CircuitBreaker | undefined;
  /** The adapter's --max-lm-share cap, held over everything this server (or, with Redis, its fleet) answers. */
  shareBudget: ShareBudget;
  /** LM calls one `/v1/classify` request may make at most; its further LM-routed inputs fall back. */
  maxLmCallsPerRequest: number;
  metrics: ServeMetrics;
  decisionLog: DecisionLog;
  /** Whether the decision log holds each input's text (`--log-inputs`), not only its hash. */
  logInputs?: boolean | undefined;
  clock: ServeClock;
  logger: Logger;
  /** Aborted when the server, shutting down, cuts off the requests still in flight. */
  shutdown?: AbortSignal | undefined;
  /** Online mode (audits of the SSM's answers, the learner hearing every LLM answer), when on. */
  online?: OnlineContext | undefined;
}

/**
 * An answer as serve records it: `cutOff` is set on an LM-routed input whose client went away, or
 * that the server cut off at shutdown, before its LM call ended (the SSM's answer, route "fallback").
 */
export type ServedPrediction = AdaptedPrediction & { cutOff?: CutOffReason };
