export { type AnswerCache, type CachedAnswer, createAnswerCache } from "./answer-cache.js";
export { type AnthropicModelOptions, createAnthropicModel } from "./anthropic-model.js";
export {
  type Budget,
  type BudgetLimits,
  costOf,
  createBudget,
  createBudgetedModel,
  type Spend,
  type TokenPrices,
} from "./budget.js";
export { createCachedModel } from "./cached-model.js";
export {
  buildClassificationRequest,
  buildSystemPrompt,
  classificationMaxTokens,
  createClassificationPrompter,
} from "./classification-prompt.js";
export { createConcurrencyLimitedModel } from "./concurrency-limited-model.js";
export { createCountingFetch } from "./counting-fetch.js";
export { type DryRunEstimate, estimateRequestsCost, formatDryRunEstimate } from "./dry-run-estimate.js";
export * from "./errors/index.js";
export { createOpenAICompatibleModel, type OpenAICompatibleModelOptions } from "./openai-compatible-model.js";
export {
  createLabelParser,
  editDistance,
  type LabelParser,
  type ParseLabelResult,
  parseLabel,
} from "./parse-label.js";
export { requestKey } from "./request-key.js";
export { parseRetryAfter } from "./retry-after.js";
export { createRetryingModel, type RetryOptions } from "./retrying-model.js";
export { estimatePromptTokens, estimateTokens } from "./token-estimate.js";
