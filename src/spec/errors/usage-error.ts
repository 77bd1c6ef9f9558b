import { EasyAdaptError } from "./easy-adapt-error.js";

/** Wrong command-line usage or an invalid option value: exit code 2, no stack trace. */
export class UsageError extends EasyAdaptError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, isUserError: true, exitCode: 2 });
    this.name = "UsageError";
  }
}
