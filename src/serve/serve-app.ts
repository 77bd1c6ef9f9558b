import { Hono } from "hono";
import { createFleetShareBudget } from "../adapter/fleet-share-budget.js";
import type { CircuitState } from "../large-models/circuit-breaker.js";
import type { Adapter } from "../spec/adapter.js";
import { type Logger, silentLogger } from "../spec/logger.js";
import { createConcurrencyLimit } from "../util/concurrency-limit.js";
import type { RedisLink } from "../util/redis-link.js";
import { createOnlineModels } from "./audit/online-models.js";
import type { OnlineServing } from "./audit/online-serving.js";
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
import { type AdapterChoice, type NamedAdapter, namedAdapters } from "./served-adapters.js";
import { createModelDirectory, type ModelDirectory } from "./served-models.js";

/** Request bodies above this size are refused with 413 (1 MiB). */
export const defaultMaxBodyBytes = 1024 * 1024;

/** Inputs longer than this many characters are refused with a 400 (`--max-input-chars`). */
export const defaultMaxInputChars = 20_000;

/** LM calls one `/v1/classify` request may make at most (`--max-lm-calls-per-request`). */
export const defaultMaxLmCallsPerRequest = 64;

/**
 * What `createServeApp` needs: the adapter (`adapter`), or the adapters (`adapters`, each with the
 * model name requests pick it by), where answers are recorded, and the server's limits. The
 * `circuitBreaker` (the breaker on the upstream, when there is one: its state is in `/healthz` and
 * `/metrics`) is that of `adapter`, and of the `adapters` that name none of their own.
 */
export interface ServeAppDependencies extends AdapterChoice {
  decisionLog: DecisionLog;
  /** Whether the decision log holds each input's text (`--log-inputs`), not only its hash. */
  logInputs?: boolean | undefined;
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
  /**
   * The Redis link of a fleet of replicas (`--redis`): each adapter's `--max-lm-share` budget is then
   * one bucket for the fleet (src/adapter/fleet-share-budget.ts), held locally while Redis is down.
   */
  redis?: RedisLink | undefined;
  /** Online mode: audits of the SSM's answers and the learner's ear (`serve --learn-every`, `stream`). */
  online?: OnlineServing | undefined;
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
 * The HTTP API of one adapter or several as a Hono app (`startServe` serves it; tests use it in
 * memory with `app.request()`): OpenAI-compatible `POST /v1/chat/completions` (also streamed) and
 * `GET /v1/models`, batch `POST /v1/classify`, `GET /healthz` and Prometheus `GET /metrics`. A
 * request's `model` picks the adapter (see `ModelDirectory.pick`). Every answer names its route
 * (`ssm`, `lm`, `fallback`) in the `x-easy-adapt-route` header and in the body's `easy_adapt`
 * field; errors use the OpenAI error body. Throws a ServeStartError when two adapters have the same
 * name (see `namedAdapters`).
 */
export function createServeApp(dependencies: ServeAppDependencies): Hono {
  return createReloadableServeApp(dependencies).app;
}

/** The app of `createServeApp`, and the swap of a served model's adapter (a hot reload). */
export interface ReloadableServeApp {
  app: Hono;
  /**
   * Serves `adapter` as the model `name` from now on and returns the adapter it replaces: requests
   * already answering finish on that one (close it once they are done). It gets a prediction
   * service of its own (a fresh LM-share budget) under the server's limits and the same breaker.
   * Throws a RangeError when no model has that name.
   */
  replaceAdapter(name: string, adapter: Adapter): Adapter;
}

/** `createServeApp`, with the means to swap an adapter while serving. */
export function createReloadableServeApp(dependencies: ServeAppDependencies): ReloadableServeApp {
  const replaceAdapter = (name: string, adapter: Adapter): Adapter => {
    const model = models.models.find((entry) => entry.name === name);
    if (model === undefined) throw new RangeError(`no model "${name}" is served`);
    const previous = model.adapter;
    const predictions = serviceFor({ name, adapter, circuitBreaker: model.circuitBreaker });
    model.adapter = adapter;
    model.predictions = predictions;
    return previous;
  };
  const { models, serviceFor } = createServedModels(dependencies, replaceAdapter);
  const app = createRoutes(dependencies, models);
  return { app, replaceAdapter };
}

/** The routes of the app over the served `models`. */
function createRoutes(dependencies: ServeAppDependencies, models: ModelDirectory): Hono {
  const { metrics } = dependencies;
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
  app.route("/", healthRoute(models));
  app.route("/", metricsRoute(metrics));
  app.route("/", modelsRoute(models));
  app.route(
    "/",
    chatCompletionsRoute({
      models,
      clock: dependencies.clock,
      maxBodyBytes,
      maxInputChars,
      requestTimeoutMs,
    }),
  );
  app.route("/", classifyRoute({ models, maxBodyBytes, maxInputChars, requestTimeoutMs }));
  app.notFound(openAiNotFound);
  app.onError(openAiErrorHandler(dependencies.logger ?? silentLogger));
  return app;
}

/**
 * The served models, each with its prediction service (its answers recorded under its name), all
 * under one cap on the LM calls in flight; the calls in flight and the inputs waiting for a slot
 * are exposed as gauges, and so is the state of the circuit breakers.
 */
function createServedModels(
  dependencies: ServeAppDependencies,
  replace: (name: string, adapter: Adapter) => void,
): {
  models: ModelDirectory;
  serviceFor: (entry: NamedAdapter) => PredictionService;
} {
  const { metrics } = dependencies;
  const named = namedAdapters(dependencies);
  const online = createOnlineModels({
    online: dependencies.online,
    names: named.map((entry) => entry.name),
    metrics,
    logger: dependencies.logger ?? silentLogger,
    shutdown: dependencies.shutdown,
    replace,
  });
  const lmLimit = createConcurrencyLimit(dependencies.maxConcurrentLmCalls);
  metrics.addGauge("easy_adapt_lm_calls_in_flight", "Large-model calls in flight.", () => lmLimit.active);
  metrics.addGauge(
    "easy_adapt_lm_calls_waiting",
    "LM-routed inputs waiting for a call slot.",
    () => lmLimit.waiting,
  );
  addCircuitGauges(metrics, named);
  const serviceFor = (entry: NamedAdapter) =>
    createPredictionService({
      adapter: entry.adapter,
      adapterName: entry.name,
      shareBudget:
        dependencies.redis === undefined
          ? undefined
          : createFleetShareBudget(dependencies.redis, {
              key: `easy-adapt:share:${entry.name}`,
              maxLmShare: entry.adapter.maxLmShare,
            }),
      lmLimit,
      circuitBreaker: entry.circuitBreaker,
      metrics: metrics.forAdapter(entry.name),
      decisionLog: dependencies.decisionLog,
      logInputs: dependencies.logInputs,
      clock: dependencies.clock,
      logger: dependencies.logger ?? silentLogger,
      maxLmCallsPerRequest: dependencies.maxLmCallsPerRequest ?? defaultMaxLmCallsPerRequest,
      shutdown: dependencies.shutdown,
      online: online.contextFor(entry.name, entry.adapter),
    });
  const models = createModelDirectory(named.map((entry) => ({ ...entry, predictions: serviceFor(entry) })));
  addAdapterInfoGauges(metrics, models);
  return { models, serviceFor };
}

/**
 * The gauge `easy_adapt_adapter_info{adapter,id} 1`, one series per served model: the id of the
 * adapter it serves now (a hash of its manifest; "" for an adapter not loaded from a folder).
 */
function addAdapterInfoGauges(metrics: ServeMetrics, models: ModelDirectory): void {
  for (const model of models.models) {
    metrics.addGauge(
      "easy_adapt_adapter_info",
      "The adapter each model serves now, by id (a hash of its manifest).",
      () => 1,
      () => `adapter=${JSON.stringify(model.name)},id=${JSON.stringify(model.adapter.id ?? "")}`,
    );
  }
}

const circuitStateHelp = "State of the circuit breaker on the upstream LLM: 0 closed, 1 half-open, 2 open.";

/**
 * The gauge `easy_adapt_lm_circuit_state`: one series when the adapters share one breaker (or one
 * adapter has one), else one per adapter with a breaker, labelled `adapter`.
 */
function addCircuitGauges(metrics: ServeMetrics, named: readonly NamedAdapter[]): void {
  const guarded = named.filter((entry) => entry.circuitBreaker !== undefined);
  const breakers = new Set(guarded.map((entry) => entry.circuitBreaker));
  for (const entry of guarded) {
    const breaker = entry.circuitBreaker!;
    if (breakers.size === 1 && entry !== guarded[0]) return;
    const label = breakers.size === 1 ? undefined : `adapter=${JSON.stringify(entry.name)}`;
    metrics.addGauge(
      "easy_adapt_lm_circuit_state",
      circuitStateHelp,
      () => circuitStateValue[breaker.state],
      label,
    );
  }
}
