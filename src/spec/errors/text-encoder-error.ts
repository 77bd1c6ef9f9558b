import { EasyAdaptError } from "./easy-adapt-error.js";

/**
 * A sentence encoder that cannot run: its packages are missing or fail to load, or its model
 * (or a worker holding it) fails. The message names the packages to install. Exit code 1.
 */
export class TextEncoderError extends EasyAdaptError {
  readonly encoderId: string;

  constructor(message: string, encoderId: string, options: { cause?: unknown } = {}) {
    super(`sentence encoder ${encoderId}: ${message}`, { ...options, isUserError: true, exitCode: 1 });
    this.name = "TextEncoderError";
    this.encoderId = encoderId;
  }
}
