import { EasyAdaptError } from "../../spec/errors/easy-adapt-error.js";

/** The caller aborted the call through its AbortSignal. Not retried. */
export class LargeModelAbortedError extends EasyAdaptError {
  constructor(options: { cause?: unknown } = {}) {
    super("the call to the large model was aborted", { ...options, isRetryable: false });
    this.name = "LargeModelAbortedError";
  }
}
