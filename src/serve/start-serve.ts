import type { CircuitBreaker } from "../large-models/circuit-breaker.js";
import type { Adapter } from "../spec/adapter.js";
import { type Logger, silentLogger } from "../spec/logger.js";
import type { RedisLink } from "../util/redis-link.js";
import type { OnlineServing } from "./audit/online-serving.js";
import { logCircuitEvents } from "./circuit-log.js";
import { type DecisionLog, disabledDecisionLog, openDecisionLog } from "./decision-log.js";
import { createReloadableServeApp, type ServeAppDependencies } from "./serve-app.js";
import { type ServeClock, systemClock } from "./serve-clock.js";
import { createServeMetrics, type ServeMetrics } from "./serve-metrics.js";
import {
  defaultServeHttpLimits,
  type RunningServer,
  type ServeHttpLimits,
  startServeServer,
} from "./serve-server.js";
import { type NamedAdapter, namedAdapters, type ServedAdapter } from "./served-adapters.js";
import { warmUp, warmUpRounds } from "./warm-up.js";

/** What `startServe` serves (`adapter`, or several `adapters`), where, and with which limits. */
export interface StartServeOptions {
  /** The adapter to serve, as the model named by its task name (or give `adapters`). */
  adapter?: Adapter;
  /**
   * Several adapters to serve, each as the model `name` (default: its task name), with the circuit
   * breaker of its own upstream, if any: a request's `model` picks one. Two adapters with the same
   * name are refused with a ServeStartError.
   */
  adapters?: readonly ServedAdapter[];
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** When set, every `/v1/*` request must send `Authorization: Bearer <apiKey>`. */
  apiKey?: string | undefined;
  /** JSON-lines decision log; none when undefined. */
  logPath?: string | undefined;
  /** Whether the decision log holds each input's text, not only its SHA-256 (default false). */
  logInputs?: boolean | undefined;
  /**
   * Rotate the decision log when it holds this many bytes: it is renamed `FILE.1` (older ones
   * shifted, 5 kept) and a new file opened. Default: never.
   */
  logMaxBytes?: number | undefined;
  /** LM calls in flight at most (default 8); further LM-routed inputs wait their turn. */
  maxConcurrentLmCalls?: number;
  /** Inputs longer than this many characters are a 400 (default 20,000). */
  maxInputChars?: number;
  /** LM calls one `/v1/classify` request may make at most (default 64); the SSM answers the rest. */
  maxLmCallsPerRequest?: number;
  /**
   * A request's deadline in milliseconds (default 10 000), over the wait for an LM call slot, every
   * attempt and every backoff: then the SSM answers its LM-routed inputs (`fallback`, `deadline`).
   */
  requestTimeoutMs?: number;
  /**
   * The circuit breaker inside the adapter's LM stack (`createCircuitBreakingModel` under the
   * retries), when there is one: while it refuses calls the SSM answers at once (`circuit-open`);
   * its state is in `/healthz` and `/metrics`, and its changes and the upstream failures are logged.
   * With `adapters`, the breaker of those that name none of their own.
   */
  circuitBreaker?: CircuitBreaker;
  /**
   * The Redis link replicas share state through (`--redis`): the share budget is the fleet's, and
   * `/metrics` has the gauge `easy_adapt_redis_up` (1 while Redis answers, 0 while the replica uses local state).
   */
  redis?: RedisLink | undefined;
  /** Timeouts and the connection cap for clients (default `defaultServeHttpLimits`: 10 s headers, 30 s request, 1,024 connections). */
  httpLimits?: Partial<ServeHttpLimits>;
  /**
   * Online mode: `auditShare` of the inputs the SSM answers is also asked of the LLM off the
   * response path (the client gets the SSM's answer), the measured agreement is in `/metrics` and a
   * drop below the adapter's estimate sends every input to the LLM until the adapter is replaced;
   * `onLmAnswer` hears every LLM answer (the online learner, `createOnlineLearner`).
   */
  online?: OnlineServing | undefined;
  clock?: ServeClock;
  logger?: Logger;
}

/** A running server: its address, its metrics and decision log, and a graceful `close`. */
export interface ServeHandle {
  /** e.g. "http://127.0.0.1:8080" (the OpenAI base URL is `${url}/v1`). */
  readonly url: string;
  readonly port: number;
  readonly metrics: ServeMetrics;
  readonly decisionLog: DecisionLog;
  /**
   * Hot reload: serves `adapter` as the model `name` from now on, with no request dropped, and
   * returns the adapter it replaces (requests already answering finish on it: close it once they
   * are done). `/healthz` and `/metrics` show the new adapter's id. A RangeError for an unknown name.
   */
  replaceAdapter(name: string, adapter: Adapter): Adapter;
  /** Graceful stop: stop accepting, wait for in-flight requests, flush and close the decision log. */
  close(options?: { drainTimeoutMs?: number }): Promise<void>;
}

/**
 * Wires metrics, the decision log, the app and the HTTP server for one adapter or several, and
 * starts listening. Rejects with a ServeStartError, before listening, when two adapters have the
 * same name, when the decision log cannot be opened for appending, and when the address cannot be
 * listened on (port in use, unknown host, ...).
 *
 * @example
 * ```ts
 * import { createOpenAICompatibleModel, loadAdapter, startServe } from "easy-adapt";
 *
 * const largeModel = createOpenAICompatibleModel({
 *   baseUrl: "https://api.openai.com/v1",
 *   model: "gpt-4o-mini",
 *   apiKey: process.env.OPENAI_API_KEY,
 * });
 * const adapter = await loadAdapter("./tickets-adapter", { largeModel });
 * const server = await startServe({ adapter, port: 8080, apiKey: process.env.SERVE_API_KEY });
 * // OpenAI clients use `${server.url}/v1` as their base URL and the task name as the model.
 * console.log(`listening on ${server.url}`);
 *
 * process.once("SIGTERM", async () => {
 *   await server.close({ drainTimeoutMs: 10_000 }); // finish the requests in flight
 *   await adapter.close();
 * });
 * ```
 */
export async function startServe(options: StartServeOptions): Promise<ServeHandle> {
  const logger = options.logger ?? silentLogger;
  // Checked before anything is opened: no adapter, or two with one name, is refused at once.
  const named = namedAdapters(options);
  const metrics = createServeMetrics();
  const redis = options.redis;
  if (redis !== undefined) {
    metrics.addGauge(
      "easy_adapt_redis_up",
      "1 while the shared Redis answers, 0 while this replica uses local state.",
      () => (redis.up ? 1 : 0),
    );
  }
  const decisionLog =
    options.logPath === undefined
      ? disabledDecisionLog
      : await openDecisionLog({
          path: options.logPath,
          logger,
          maxBytes: options.logMaxBytes,
          onWriteError: () => metrics.recordDecisionLogError(),
        });
  // Aborted when close() cuts off the requests still in flight, so that they are counted as such.
  const shutdown = new AbortController();
  const appDependencies: ServeAppDependencies = {
    adapter: options.adapter,
    adapters: options.adapters,
    decisionLog,
    logInputs: options.logInputs,
    metrics,
    apiKey: options.apiKey,
    maxConcurrentLmCalls: options.maxConcurrentLmCalls ?? 8,
    maxInputChars: options.maxInputChars,
    maxLmCallsPerRequest: options.maxLmCallsPerRequest,
    shutdown: shutdown.signal,
    requestTimeoutMs: options.requestTimeoutMs,
    circuitBreaker: options.circuitBreaker,
    redis,
    online: options.online,
    clock: options.clock ?? systemClock,
    logger,
  };
  const { app, replaceAdapter } = createReloadableServeApp(appDependencies);
  let server: RunningServer;
  try {
    // Before the port opens: the first requests find the router, the SSM and the JSON handling warm.
    const warmUpMs = await warmUp(appDependencies);
    logger.info("serve-warm-up", { rounds: warmUpRounds, ms: Math.round(warmUpMs) });
    server = await startServeServer({
      fetch: app.fetch,
      port: options.port ?? 0,
      host: options.host ?? "127.0.0.1",
      onCutOff: () => shutdown.abort(),
      limits: { ...defaultServeHttpLimits, ...options.httpLimits },
    });
  } catch (error) {
    await decisionLog.close();
    throw error;
  }
  const stopLogging = logBreakers(named, logger);
  let closing: Promise<void> | undefined;
  return {
    url: server.url,
    port: server.port,
    metrics,
    decisionLog,
    replaceAdapter,
    close(closeOptions) {
      closing ??= (async () => {
        await server.close(closeOptions);
        stopLogging();
        await decisionLog.close();
      })();
      return closing;
    },
  };
}

/**
 * Logs the story of each distinct breaker of the served adapters (`logCircuitEvents`); when they
 * have several, each line names the models behind its breaker. Returns the unsubscribe.
 */
function logBreakers(named: readonly NamedAdapter[], logger: Logger): () => void {
  const modelsByBreaker = new Map<CircuitBreaker, string[]>();
  for (const { name, circuitBreaker } of named) {
    if (circuitBreaker === undefined) continue;
    modelsByBreaker.set(circuitBreaker, [...(modelsByBreaker.get(circuitBreaker) ?? []), name]);
  }
  const stops = [...modelsByBreaker].map(([breaker, models]) =>
    logCircuitEvents(breaker, modelsByBreaker.size === 1 ? logger : withDetails(logger, { models })),
  );
  return () => {
    for (const stop of stops) stop();
  };
}

/** `logger` with `details` added to every line. */
function withDetails(logger: Logger, details: Record<string, unknown>): Logger {
  return {
    info: (event, more) => logger.info(event, { ...details, ...more }),
    warn: (event, more) => logger.warn(event, { ...details, ...more }),
  };
}
