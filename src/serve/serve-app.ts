import { Hono } from "hono";
import { createFleetShareBudget } from "../adapter/fleet-share-budget.js";
import type { CircuitBreaker, CircuitState } from "../large-models/circuit-breaker.js";
import type { Adapter } from "../spec/adapter.js";
import { type Logger, silentLogger } from "../spec/logger.js";
import { createConcurrencyLimit } from "../util/concurrency-limit.js";
import type { RedisLink } from "../util/redis-link.js";
import type { DecisionLog } from "./decision-log.js";
import { observeRequest } from "./middleware/observe-request.js";
import { openAiErrorHandler, openAiNotFound } from "./middleware/openai-error-handler.js";
import { requireApiKey } from "./middleware/require-api-key.js";
import { createPredictionService, type PredictionService } from "./prediction-service.js";
import { defaultRequestTimeoutMs } from "./request-deadline.js";
import { chatCompletionsRoute } from "./routes/chat-completions.js";
import { classifyRoute } from "./routes/classify.js";
import { healthRoute } from "./routes/health.js";
import { metricsRoute } from "./routes/metrics.js";
import { modelsRoute } from "./routes/models.js";
import type { ServeClock } from "./serve-clock.js";
import type { ServeEndpoint, ServeMetrics } from "./serve-metrics.js";

/** Request bodies above this size are refused with 413 (1 MiB). */
export const defaultMaxBodyBytes = 1024 * 1024;

/** Inputs longer than this many characters are refused with a 400 (`--max-input-chars`). */
export const defaultMaxInputChars = 20_000;

/** LM calls one `/v1/classify` request may make at most (`--max-lm-calls-per-request`). */
export const defaultMaxLmCallsPerRequest = 64;

/** What `createServeApp` needs: the adapter, where answers are recorded, and the server's limits. */
export interface ServeAppDependencies {
  adapter: Adapter;
  decisionLog: DecisionLog;
  metrics: ServeMetrics;
  /** When set, every `/v1/*` request must send `Authorization: Bearer <apiKey>`. */
  apiKey?: string | undefined;
  /** LM calls in flight at most; further LM-routed inputs wait their turn. */
  maxConcurrentLmCalls: number;
  clock: ServeClock;
  logger?: Logger;
  maxBodyBytes?: number;
  /** Inputs longer than this many characters are a 400 (default `defaultMaxInputChars`). */
  maxInputChars?: number;
  /**
   * LM calls one `/v1/classify` request may make at most (default `defaultMaxLmCallsPerRequest`);
   * its further LM-routed inputs are answered by the SSM (route "fallback", reason "request-cap").
   */
  maxLmCallsPerRequest?: number;
  /** Aborted when the server, shutting down, cuts off the requests still in flight (counted as such). */
  shutdown?: AbortSignal;
  /** A request's deadline (default 10 s): then the SSM answers its LM-routed inputs (`fallback`, `deadline`). */
  requestTimeoutMs?: number;
  /** The breaker on the upstream, when there is one: its state is in `/healthz` and `/metrics`. */
  circuitBreaker?: CircuitBreaker | undefined;
  /**
   * The Redis link of a fleet of replicas (`--redis`): the adapter's `--max-lm-share` budget is then
   * one bucket for the fleet (src/adapter/fleet-share-budget.ts), held locally while Redis is down.
   */
  redis?: RedisLink | undefined;
}

/** The value of the circuit-state gauge for each state. */
const circuitStateValue: Record<CircuitState, number> = { closed: 0, "half-open": 1, open: 2 };

/**
 * The API paths each endpoint's requests are counted under, whatever their method. `/v1/models/*`
 * matches `/v1/models` itself too, so it alone counts both model endpoints (once each request).
 */
const observedApiPaths: ReadonlyArray<readonly [path: string, endpoint: ServeEndpoint]> = [
  ["/v1/chat/completions", "chat_completions"],
  ["/v1/classify", "classify"],
  ["/v1/models/*", "models"],
];

/**
 * The HTTP API of an adapter as a Hono app (`startServe` serves it; tests use it in memory
 * with `app.request()`): OpenAI-compatible `POST /v1/chat/completions` (also streamed) and
 * `GET /v1/models`, batch `POST /v1/classify`, `GET /healthz` and Prometheus `GET /metrics`.
 * Every answer names its route (`ssm`, `lm`, `fallback`) in the `x-easy-adapt-route` header and
 * in the body's `easy_adapt` field; errors use the OpenAI error body.
 */
export function createServeApp(dependencies: ServeAppDependencies): Hono {
  const { adapter, metrics } = dependencies;
  const predictions = createServePredictions(dependencies);
  const modelName = adapter.task.name;
  const maxBodyBytes = dependencies.maxBodyBytes ?? defaultMaxBodyBytes;
  const maxInputChars = dependencies.maxInputChars ?? defaultMaxInputChars;
  const requestTimeoutMs = dependencies.requestTimeoutMs ?? defaultRequestTimeoutMs;

  const app = new Hono();
  // Only GET is counted here: other methods on these paths are 404s that no endpoint counts.
  app.get("/healthz", observeRequest("healthz", dependencies));
  app.get("/metrics", observeRequest("metrics", dependencies));
  // Observed first, so that refused requests (401, 413, ...) are counted too.
  for (const [path, endpoint] of observedApiPaths) app.use(path, observeRequest(endpoint, dependencies));
  // Without a key to check, requests skip the middleware altogether.
  if (dependencies.apiKey !== undefined) app.use("/v1/*", requireApiKey(dependencies.apiKey));
  app.route("/", healthRoute(adapter, dependencies.circuitBreaker));
  app.route("/", metricsRoute(metrics));
  app.route("/", modelsRoute(modelName));
  app.route(
    "/",
    chatCompletionsRoute({
      modelName,
      labels: adapter.task.labels,
      predictions,
      clock: dependencies.clock,
      maxBodyBytes,
      maxInputChars,
      requestTimeoutMs,
    }),
  );
  app.route("/", classifyRoute({ modelName, predictions, maxBodyBytes, maxInputChars, requestTimeoutMs }));
  app.notFound(openAiNotFound);
  app.onError(openAiErrorHandler(dependencies.logger ?? silentLogger));
  return app;
}

/**
 * The prediction service behind the routes, with the cap on LM calls in flight; the calls in
 * flight and the inputs waiting for a slot are exposed as gauges.
 */
function createServePredictions(dependencies: ServeAppDependencies): PredictionService {
  const { metrics } = dependencies;
  const lmLimit = createConcurrencyLimit(dependencies.maxConcurrentLmCalls);
  metrics.addGauge("easy_adapt_lm_calls_in_flight", "Large-model calls in flight.", () => lmLimit.active);
  metrics.addGauge(
    "easy_adapt_lm_calls_waiting",
    "LM-routed inputs waiting for a call slot.",
    () => lmLimit.waiting,
  );
  const breaker = dependencies.circuitBreaker;
  if (breaker !== undefined) {
    metrics.addGauge(
      "easy_adapt_lm_circuit_state",
      "State of the circuit breaker on the upstream LLM: 0 closed, 1 half-open, 2 open.",
      () => circuitStateValue[breaker.state],
    );
  }
  const { adapter, redis } = dependencies;
  return createPredictionService({
    adapter,
    shareBudget:
      redis === undefined
        ? undefined
        : createFleetShareBudget(redis, {
            key: `easy-adapt:share:${adapter.task.name}`,
            maxLmShare: adapter.maxLmShare,
          }),
    lmLimit,
    circuitBreaker: breaker,
    metrics,
    decisionLog: dependencies.decisionLog,
    clock: dependencies.clock,
    logger: dependencies.logger ?? silentLogger,
    maxLmCallsPerRequest: dependencies.maxLmCallsPerRequest ?? defaultMaxLmCallsPerRequest,
    shutdown: dependencies.shutdown,
  });
}
