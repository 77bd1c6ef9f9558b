export type { AdaptedPrediction, Adapter, Route, RouteDecision } from "./adapter.js";
export type { ColumnOptions, DataRow } from "./dataset.js";
export * from "./errors/index.js";
export type {
  ChatMessage,
  Completion,
  CompletionRequest,
  LargeModel,
  TokenPrices,
  TokenUsage,
} from "./large-model.js";
export { type Logger, type ProgressListener, silentLogger } from "./logger.js";
export type { SmallModel, SmallModelSnapshot, TrainingSet } from "./small-model.js";
export type { LabelledExample, Task } from "./task.js";
