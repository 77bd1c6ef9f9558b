import { EasyAdaptError } from "../../spec/errors/easy-adapt-error.js";

/** The LM's server answered with an HTTP error status. 408, 409, 429 and 5xx are retryable. */
export class LargeModelHttpError extends EasyAdaptError {
  readonly status: number;
  /** The wait the server asked for (`retry-after-ms` or `Retry-After`), when it gave one. */
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    details: { status: number; retryAfterMs?: number | undefined },
    options: { cause?: unknown } = {},
  ) {
    super(message, { ...options, isRetryable: isRetryableStatus(details.status) });
    this.name = "LargeModelHttpError";
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
  }
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}
