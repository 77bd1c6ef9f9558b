import { EasyAdaptError } from "./easy-adapt-error.js";

/**
 * The server cannot start: its address cannot be listened on (port in use, unknown host, ...) or its
 * decision log cannot be opened. A one-line message, no stack trace, exit code 1.
 */
export class ServeStartError extends EasyAdaptError {
  /** The Node error code behind it (`EADDRINUSE`, `ENOTFOUND`, `ENOENT`, ...), when there is one. */
  readonly code: string | undefined;

  constructor(message: string, options: { code?: string | undefined; cause?: unknown } = {}) {
    super(message, { cause: options.cause, isUserError: true, exitCode: 1 });
    this.name = "ServeStartError";
    this.code = options.code;
  }
}
