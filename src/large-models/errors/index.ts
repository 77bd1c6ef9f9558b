export { AnswerCacheError } from "./answer-cache-error.js";
export { BudgetExceededError, type BudgetLimit } from "./budget-exceeded-error.js";
export { LargeModelAbortedError } from "./large-model-aborted-error.js";
export { LargeModelAuthenticationError } from "./large-model-authentication-error.js";
export { isRetryableStatus, LargeModelHttpError } from "./large-model-http-error.js";
export { LargeModelNetworkError } from "./large-model-network-error.js";
export { LargeModelResponseError } from "./large-model-response-error.js";
export { LargeModelTimeoutError } from "./large-model-timeout-error.js";
