import { EasyAdaptError } from "../../spec/errors/easy-adapt-error.js";

/** One call to the LM took longer than its timeout. Retryable. */
export class LargeModelTimeoutError extends EasyAdaptError {
  readonly timeoutMs: number;

  constructor(timeoutMs: number, options: { cause?: unknown } = {}) {
    super(`the large model did not answer within ${timeoutMs} ms`, { ...options, isRetryable: true });
    this.name = "LargeModelTimeoutError";
    this.timeoutMs = timeoutMs;
  }
}
