import { EasyAdaptError } from "../spec/errors/easy-adapt-error.js";

/**
 * Wraps a command's action: user errors are printed as one plain line (no stack trace) and set
 * the exit code; anything else is a bug and keeps its stack.
 */
export function runAction<Arguments extends unknown[]>(
  action: (...args: Arguments) => Promise<void> | void,
): (...args: Arguments) => Promise<void> {
  return async (...args: Arguments) => {
    try {
      await action(...args);
    } catch (error) {
      process.exitCode = reportError(error);
    }
  };
}

export function reportError(error: unknown): number {
  if (EasyAdaptError.isInstance(error) && error.isUserError) {
    process.stderr.write(`easy-adapt: ${error.message}\n`);
    return error.exitCode;
  }
  if (EasyAdaptError.isInstance(error)) {
    process.stderr.write(`easy-adapt: ${error.message}\n`);
    if (error.cause instanceof Error) process.stderr.write(`  caused by: ${error.cause.message}\n`);
    return error.exitCode;
  }
  process.stderr.write(
    `easy-adapt: unexpected error\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  return 1;
}
