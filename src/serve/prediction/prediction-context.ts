import type { RunningShareBudget } from "../../adapter/lm-share-budget.js";
import type { CircuitBreaker } from "../../large-models/circuit-breaker.js";
import type { Adapter } from "../../spec/adapter.js";
import type { Logger } from "../../spec/logger.js";
import type { ConcurrencyLimit } from "../../util/concurrency-limit.js";
import type { DecisionLog, DecisionRecord } from "../decision-log.js";
import type { ServeClock } from "../serve-clock.js";
import type { ServeMetrics } from "../serve-metrics.js";

/** The endpoint an answer was asked for, as the decision log names it. */
export type PredictionEndpoint = DecisionRecord["endpoint"];

/** What the prediction steps share: the adapter, the LM-call cap, the share budget and the records. */
export interface PredictionContext {
  adapter: Adapter;
  lmLimit: ConcurrencyLimit;
  /** The breaker on the upstream, when there is one: while it refuses calls, the SSM answers at once. */
  circuitBreaker?: CircuitBreaker | undefined;
  /** The adapter's --max-lm-share cap, held over everything this server answers. */
  shareBudget: RunningShareBudget;
  metrics: ServeMetrics;
  decisionLog: DecisionLog;
  clock: ServeClock;
  logger: Logger;
}
