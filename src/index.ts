// The library entry of easy-adapt. Layers, from the top: adapt (the method), evaluate, serve and the
// replay server (edges), the two model families, data loading, and the contracts.

// The method: adapt, load an adapter, probe an LM
export { type AdaptOptions, type AdaptResult, adapt } from "./adapt/adapt.js";
export type { LoadedAdapter } from "./adapter/adapter-runtime.js";
export { type ClosableAdapter, type LoadAdapterDependencies, loadAdapter } from "./adapter/load-adapter.js";
export type { OperatingCriterion } from "./adapter/operating-criterion.js";
// Data
export * from "./data/index.js";
export { loadRecordedAnswers, type RecordedAnswer } from "./data/recorded-answers.js";
export { writeCsvFile } from "./data/write-csv.js";
// Evaluation: metrics, operating curve, reports
export * from "./evaluate/index.js";
// Large models: connectors, reliability, cache, budget, prompting
export * from "./large-models/index.js";
export { type ProbeOptions, type ProbeResult, type ProbeRow, type ProbeStats, probe } from "./probe/probe.js";
export { ProbeStoppedError } from "./probe/probe-stopped-error.js";
// Edges: the replay server and the serving app
export { createReplayApp, type ReplayAppOptions } from "./replay/replay-app.js";
export { type ReplayServer, type ReplayServerOptions, startReplayServer } from "./replay/replay-server.js";
export { createServeApp, type ServeAppDependencies } from "./serve/serve-app.js";
export { type ServeHandle, type StartServeOptions, startServe } from "./serve/start-serve.js";
export { EmbeddingLinearModel } from "./small-models/embedding-linear-model.js";
export {
  createEncoderByKind,
  type EncoderChoice,
  type EncoderKind,
  encoderChoices,
} from "./small-models/encoder-choice.js";
export { KnnModel } from "./small-models/knn-model.js";
export { loadSmallModel, smallModelFromJSON } from "./small-models/load-small-model.js";
export { defaultBlendWeight, NgramEmbeddingBlend } from "./small-models/ngram-embedding-blend.js";
export { NgramLinearModel } from "./small-models/ngram-linear-model.js";
export type { NgramLinearOptionsInput } from "./small-models/ngram-linear-options.js";
// Small models
export { type KnnOptionsInput, trainKnn } from "./small-models/train-knn.js";
export { type TrainHooks, trainNgramLinear } from "./small-models/train-ngram-linear.js";
export type { TrainedSmallModel } from "./small-models/trained-small-model.js";
// Contracts and errors
export * from "./spec/index.js";
// Sentence encoders (optional: blended into the small model with --encoder use-lite)
export * from "./text-encoders/index.js";
