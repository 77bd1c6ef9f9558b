import { EasyAdaptError } from "./easy-adapt-error.js";

/**
 * A request the HTTP server refuses or cannot answer: carries the HTTP status and the OpenAI-style
 * error `type` and `code` the server answers with (`{"error":{"message","type","param":null,"code"}}`).
 */
export class ServeRequestError extends EasyAdaptError {
  /** 499: the client closed the connection before its answer was ready (as nginx counts it; never delivered). */
  readonly status: 400 | 401 | 404 | 413 | 499 | 500 | 502 | 503;
  readonly type: string;
  readonly code: string;

  constructor(
    message: string,
    details: { status: ServeRequestError["status"]; type: string; code: string },
    options: { cause?: unknown } = {},
  ) {
    super(message, { ...options, isUserError: true, exitCode: 1 });
    this.name = "ServeRequestError";
    this.status = details.status;
    this.type = details.type;
    this.code = details.code;
  }
}
