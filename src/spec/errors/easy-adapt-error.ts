/**
 * The one base class of every error easy-adapt throws on purpose.
 *
 * `name` is a stable code (`DataError`, `LargeModelHttpError`, ...), `isUserError` marks
 * errors caused by the user's input or settings: the CLI prints their message without a stack
 * trace. `exitCode` is the process exit code the CLI uses (2 usage, 1 failure).
 */
export class EasyAdaptError extends Error {
  readonly isUserError: boolean;
  readonly exitCode: number;
  readonly isRetryable: boolean;

  constructor(
    message: string,
    options: { cause?: unknown; isUserError?: boolean; exitCode?: number; isRetryable?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "EasyAdaptError";
    this.isUserError = options.isUserError ?? false;
    this.exitCode = options.exitCode ?? 1;
    this.isRetryable = options.isRetryable ?? false;
  }

  /** True for any EasyAdaptError, also when called on a subclass (it tests `instanceof EasyAdaptError`). */
  static isInstance(error: unknown): error is EasyAdaptError {
    return error instanceof EasyAdaptError;
  }
}
