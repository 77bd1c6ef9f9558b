import type { ShareBudget } from "../adapter/fleet-share-budget.js";
import { createRunningShareBudget } from "../adapter/lm-share-budget.js";
import type { CircuitBreaker } from "../large-models/circuit-breaker.js";
import type { AdaptedPrediction, Adapter } from "../spec/adapter.js";
import type { Logger } from "../spec/logger.js";
import type { ConcurrencyLimit } from "../util/concurrency-limit.js";
import type { OnlineContext } from "./audit/audit-input.js";
import type { DecisionLog } from "./decision-log.js";
import { clientClosedRequest } from "./openai/request-errors.js";
import { classifyBatch, classifyOne } from "./prediction/classify-inputs.js";
import type { PredictionContext, PredictionEndpoint } from "./prediction/prediction-context.js";
import type { ServeClock } from "./serve-clock.js";
import type { ServeMetrics } from "./serve-metrics.js";

export type { PredictionEndpoint } from "./prediction/prediction-context.js";

/**
 * Answers inputs with the adapter: prepares all the inputs of a request at once where the adapter
 * needs it (`adapter.prepare`, a sentence encoder), decides every input locally first, answers the SSM-routed ones
 * at once and calls the LM (through `adapter.predict`, under the concurrency cap) only for the
 * others, within the adapter's LM-share cap counted over everything the server answers (inputs in
 * arrival order: once the cap is spent, the SSM answers until the share falls back under it).
 * Records every answer in the metrics and the decision log. Throws a 502
 * `ServeRequestError` when the upstream LLM refuses the credentials.
 */
export interface PredictionService {
  classify(
    text: string,
    endpoint: PredictionEndpoint,
    abortSignal?: () => AbortSignal,
  ): Promise<AdaptedPrediction>;
  classifyBatch(
    texts: readonly string[],
    endpoint: PredictionEndpoint,
    abortSignal?: () => AbortSignal,
  ): Promise<AdaptedPrediction[]>;
}

export interface PredictionServiceDependencies {
  adapter: Adapter;
  /** The model name the adapter is served as: its answers are recorded under it. */
  adapterName: string;
  lmLimit: ConcurrencyLimit;
  /** The breaker on the upstream, when there is one. */
  circuitBreaker?: CircuitBreaker | undefined;
  metrics: ServeMetrics;
  decisionLog: DecisionLog;
  /** Whether the decision log holds each input's text, not only its hash. */
  logInputs?: boolean | undefined;
  clock: ServeClock;
  logger: Logger;
  /** LM calls one `/v1/classify` request may make at most; its further LM-routed inputs fall back. */
  maxLmCallsPerRequest: number;
  /** Aborted when the server, shutting down, cuts off the requests still in flight. */
  shutdown?: AbortSignal | undefined;
  /** The adapter's share budget when a fleet shares it (Redis); default a budget of this server's own. */
  shareBudget?: ShareBudget | undefined;
  /** Online mode's audits and learner, when on. */
  online?: OnlineContext | undefined;
}

/**
 * The prediction service of one adapter (the steps are in `prediction/`): `classifyOne` and
 * `classifyBatch`, after `adapter.prepare` where the adapter has it.
 */
export function createPredictionService(dependencies: PredictionServiceDependencies): PredictionService {
  const context: PredictionContext = {
    ...dependencies,
    // The adapter's --max-lm-share cap, held over everything this server answers (src/adapter/lm-share-budget.ts).
    shareBudget: dependencies.shareBudget ?? createRunningShareBudget(dependencies.adapter.maxLmShare),
  };
  const service: PredictionService = {
    classify: (text, endpoint, abortSignal) => classifyOne(context, text, endpoint, abortSignal),
    classifyBatch: (texts, endpoint, abortSignal) => classifyBatch(context, texts, endpoint, abortSignal),
  };
  const prepare = dependencies.adapter.prepare?.bind(dependencies.adapter);
  // Decided once here, not per request: adapters without `prepare` pay nothing for it.
  return prepare === undefined ? service : preparingFirst(service, prepare);
}

/**
 * `service` with every request's texts prepared together (`adapter.prepare`) before any is decided.
 * A preparation stopped because the client left (or the server cut the request off) is a 499, not
 * a failure of the server.
 */
function preparingFirst(
  service: PredictionService,
  prepare: NonNullable<Adapter["prepare"]>,
): PredictionService {
  return {
    async classify(text, endpoint, abortSignal) {
      await prepareUnlessLeft(prepare, [text], abortSignal);
      return service.classify(text, endpoint, abortSignal);
    },
    async classifyBatch(texts, endpoint, abortSignal) {
      await prepareUnlessLeft(prepare, texts, abortSignal);
      return service.classifyBatch(texts, endpoint, abortSignal);
    },
  };
}

/** `prepare(texts)` under the client-abort signal, when the caller offers one; a 499 once the client left. */
async function prepareUnlessLeft(
  prepare: NonNullable<Adapter["prepare"]>,
  texts: readonly string[],
  abortSignal: (() => AbortSignal) | undefined,
): Promise<void> {
  const signal = abortSignal?.();
  try {
    await prepare(texts, signal === undefined ? {} : { signal });
  } catch (error) {
    if (signal?.aborted === true) throw clientClosedRequest(error);
    throw error;
  }
}
