import { EasyAdaptError } from "./easy-adapt-error.js";

/** A saved model or adapter that is corrupted, truncated, foreign or mismatched: refused whole. */
export class ArtifactError extends EasyAdaptError {
  readonly path: string;

  constructor(message: string, path: string, options: { cause?: unknown } = {}) {
    super(`${path}: ${message}`, { ...options, isUserError: true, exitCode: 1 });
    this.name = "ArtifactError";
    this.path = path;
  }
}
