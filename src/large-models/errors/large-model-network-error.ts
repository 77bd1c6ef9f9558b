import { EasyAdaptError } from "../../spec/errors/easy-adapt-error.js";

/** The LM could not be reached (connection refused, reset, DNS failure). Retryable. */
export class LargeModelNetworkError extends EasyAdaptError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(`could not reach the large model: ${message}`, { ...options, isRetryable: true });
    this.name = "LargeModelNetworkError";
  }
}
