/**
 * easy-adapt adapts an API-only large language model (LM) to one classification task without
 * touching its parameters: it probes where the LM is wrong, trains small local models (SSMs) that
 * complement it, and fits a router that calls the LM only where it pays.
 *
 * Every name below is public and documented; anything else under `src/` is internal and may
 * change. The list is kept in step with `docs/api.md` by `test/api/public-api.test.ts`.
 *
 * @example Adapt an LM to a task, save the adapter, load it and predict
 * ```ts
 * import {
 *   adapt, createAnswerCache, createCachedModel, createOpenAICompatibleModel, createRetryingModel,
 *   loadAdapter, loadRows, loadTask,
 * } from "easy-adapt";
 *
 * const task = await loadTask("task.json");
 * const largeModel = createCachedModel(
 *   createRetryingModel(
 *     createOpenAICompatibleModel({
 *       baseUrl: "https://api.openai.com/v1",
 *       model: "gpt-4o-mini",
 *       apiKey: process.env.OPENAI_API_KEY,
 *     }),
 *   ),
 *   createAnswerCache(".easy-adapt/cache.sqlite"),
 * );
 * const result = await adapt({
 *   task,
 *   trainRows: await loadRows("train.csv", { labels: task.labels }),
 *   calibRows: await loadRows("dev.csv", { labels: task.labels }),
 *   largeModel,
 * });
 * await result.save("./my-adapter");
 *
 * const adapter = await loadAdapter("./my-adapter", { largeModel });
 * const { label, route } = await adapter.predict("I still have not received my card");
 * await adapter.close();
 * ```
 *
 * @module
 */

// Contracts: what a task, a data row, a large model, a small model, an adapter, a sentence
// encoder and a logger are.

export type { AdaptedPrediction, Adapter, Route, RouteDecision } from "./spec/adapter.js";
export type { ColumnOptions, DataRow } from "./spec/dataset.js";
export type {
  ChatMessage,
  Completion,
  CompletionRequest,
  LargeModel,
  TokenPrices,
  TokenUsage,
} from "./spec/large-model.js";
export { type Logger, type ProgressListener, silentLogger } from "./spec/logger.js";
export type { SmallModel, SmallModelSnapshot, TrainingSet } from "./spec/small-model.js";
export type { LabelledExample, Task } from "./spec/task.js";
export type { EncodeOptions, SentenceEncoder } from "./text-encoders/sentence-encoder.js";

// Errors: every error easy-adapt throws on purpose is an EasyAdaptError.

export { AnswerCacheError } from "./large-models/errors/answer-cache-error.js";
export { BudgetExceededError, type BudgetLimit } from "./large-models/errors/budget-exceeded-error.js";
export { CircuitOpenError } from "./large-models/errors/circuit-open-error.js";
export { LargeModelAbortedError } from "./large-models/errors/large-model-aborted-error.js";
export { LargeModelAuthenticationError } from "./large-models/errors/large-model-authentication-error.js";
export { LargeModelHttpError } from "./large-models/errors/large-model-http-error.js";
export { LargeModelNetworkError } from "./large-models/errors/large-model-network-error.js";
export { LargeModelResponseError } from "./large-models/errors/large-model-response-error.js";
export { LargeModelTimeoutError } from "./large-models/errors/large-model-timeout-error.js";
export { ProbeStoppedError, type ProbeStopReason } from "./probe/probe-stopped-error.js";
export { ArtifactError } from "./spec/errors/artifact-error.js";
export { DataError, type DataErrorLocation } from "./spec/errors/data-error.js";
export { EasyAdaptError } from "./spec/errors/easy-adapt-error.js";
export { ServeRequestError } from "./spec/errors/serve-request-error.js";
export { ServeStartError } from "./spec/errors/serve-start-error.js";
export { TextEncoderError } from "./spec/errors/text-encoder-error.js";
export { UsageError } from "./spec/errors/usage-error.js";

// The method: adapt an LM to a task, load a saved adapter, probe the LM.

export { type AdaptOptions, type AdaptResult, adapt } from "./adapt/adapt.js";
export type { ProbeSummary } from "./adapt/probe-rows.js";
export type { LoadedAdapter } from "./adapter/adapter-runtime.js";
export { type ClosableAdapter, type LoadAdapterDependencies, loadAdapter } from "./adapter/load-adapter.js";
export type { OperatingCriterion, OperatingMetric } from "./adapter/operating-criterion.js";
export type { RouterKind } from "./adapter/router.js";
export { type ProbeOptions, type ProbeResult, type ProbeRow, type ProbeStats, probe } from "./probe/probe.js";
export {
  type LearnedAnswer,
  type RefreshEstimate,
  type RefreshOptions,
  type RefreshResult,
  refreshAdapter,
} from "./refresh/refresh-adapter.js";
export type { SsmTrainer, TrainedSsm } from "./small-models/ssm-trainer.js";

// Large models: connectors, and wrappers that add retries, a cache, a budget, a concurrency limit and in-flight de-duplication.

export {
  type AnswerCache,
  type AnswerCacheOptions,
  type CachedAnswer,
  createAnswerCache,
} from "./large-models/answer-cache.js";
export { type AnthropicModelOptions, createAnthropicModel } from "./large-models/anthropic-model.js";
export {
  type Budget,
  type BudgetLimits,
  createBudget,
  createBudgetedModel,
  type Spend,
} from "./large-models/budget.js";
export { type CachedModelOptions, createCachedModel } from "./large-models/cached-model.js";
export {
  type CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitState,
  createCircuitBreaker,
} from "./large-models/circuit-breaker.js";
export { createCircuitBreakingModel } from "./large-models/circuit-breaking-model.js";
export { createConcurrencyLimitedModel } from "./large-models/concurrency-limited-model.js";
export {
  createDeduplicatingModel,
  type DeduplicatingModelOptions,
} from "./large-models/deduplicating-model.js";
export { isEmptyReply } from "./large-models/empty-reply.js";
export {
  createOpenAICompatibleModel,
  type OpenAICompatibleModelOptions,
} from "./large-models/openai-compatible-model.js";
export { createRetryingModel, type RetryOptions } from "./large-models/retrying-model.js";

// Asking an LM to classify a text yourself: the request easy-adapt sends, and how it reads the answer.

export {
  buildClassificationRequest,
  createClassificationPrompter,
} from "./large-models/classification-prompt.js";
export {
  createLabelParser,
  type LabelParser,
  type ParseLabelResult,
  parseLabel,
} from "./large-models/parse-label.js";

// Small models: train, save, load.

export { EmbeddingLinearModel } from "./small-models/embedding-linear-model.js";
export { KnnModel } from "./small-models/knn-model.js";
export { loadSmallModel, smallModelFromJSON } from "./small-models/load-small-model.js";
export { NgramEmbeddingBlend } from "./small-models/ngram-embedding-blend.js";
export { NgramLinearModel } from "./small-models/ngram-linear-model.js";
export type { NgramLinearOptionsInput } from "./small-models/ngram-linear-options.js";
export { type KnnOptionsInput, trainKnn } from "./small-models/train-knn.js";
export { type TrainHooks, trainNgramLinear } from "./small-models/train-ngram-linear.js";
export type { TrainedSmallModel } from "./small-models/trained-small-model.js";

// Sentence encoders: vectors of texts for the blended small model, cached on disk.

export { createEncoderByKind, type EncoderKind } from "./small-models/encoder-choice.js";
export { type EmbeddingCacheOptions, withEmbeddingCache } from "./text-encoders/cached-encoder.js";
export { type EmbeddingCache, openEmbeddingCache } from "./text-encoders/embedding-cache.js";
export {
  createTextEmbeddings,
  type TextEmbeddings,
  type TextEmbeddingsOptions,
} from "./text-encoders/text-embeddings.js";
export { createUseLiteEncoder, type UseLiteEncoderOptions } from "./text-encoders/use-lite-encoder.js";

// Data: tasks, labelled rows (CSV or JSONL), recorded LM answers.

export { loadRecordedAnswers, type RecordedAnswer } from "./data/recorded-answers.js";
export type { RowReadOptions } from "./data/row-read-options.js";
export { loadRows, streamRows } from "./data/stream-rows.js";
export { loadTask, parseTask } from "./data/task-file.js";
export { taskFromRows } from "./data/task-from-rows.js";
export { trainingSetFromRows } from "./data/training-set.js";

// Evaluation: accuracy, macro-F1 and confusion counts of predicted labels.

export {
  type ClassificationMetrics,
  type ConfusionCounts,
  computeAccuracy,
  computeClassificationMetrics,
  computeConfusionCounts,
  type LabelMetrics,
} from "./evaluate/classification-metrics.js";

// Serving: an adapter behind an OpenAI-compatible HTTP API.

export {
  createOnlineLearner,
  type OnlineLearner,
  type OnlineLearnerOptions,
} from "./online/online-learner.js";
export type { OnlineServing, ServedLmAnswer } from "./serve/audit/online-serving.js";
export type { ServedAdapter } from "./serve/served-adapters.js";
export { type ServeHandle, type StartServeOptions, startServe } from "./serve/start-serve.js";

// Replay: an OpenAI-compatible stand-in for an LM that answers with recorded answers (tests, benchmarks).

export { createReplayApp, type ReplayAppOptions } from "./replay/replay-app.js";
export { type ReplayServer, type ReplayServerOptions, startReplayServer } from "./replay/replay-server.js";
