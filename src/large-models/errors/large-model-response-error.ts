import { EasyAdaptError } from "../../spec/errors/easy-adapt-error.js";

/** The LM answered 2xx but with a body that is not the expected JSON (malformed, wrong shape, no text). */
export class LargeModelResponseError extends EasyAdaptError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(`malformed response from the large model: ${message}`, { ...options, isRetryable: false });
    this.name = "LargeModelResponseError";
  }
}
