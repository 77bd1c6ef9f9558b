import { ArtifactError } from "../../spec/errors/artifact-error.js";

/**
 * The answer cache file cannot be used: not SQLite, truncated, corrupt, of another schema version,
 * locked or unreadable. Names the file; never a failure of the LM itself. An ArtifactError (a
 * local file gone bad), so a user error: the CLI prints it without a stack trace.
 */
export class AnswerCacheError extends ArtifactError {
  constructor(reason: string, path: string, options: { cause?: unknown } = {}) {
    super(
      `the answer cache is corrupt or unreadable (${reason}): delete or move this file, or pass --no-cache`,
      path,
      options,
    );
    this.name = "AnswerCacheError";
  }

  /** `error`, raised while using the cache at `path`, as an AnswerCacheError (kept as it is when it is one). */
  static from(error: unknown, path: string): AnswerCacheError {
    if (error instanceof AnswerCacheError) return error;
    // The opener's ArtifactError wraps SQLite's own words: those are the reason.
    const inner = error instanceof ArtifactError && error.cause instanceof Error ? error.cause : error;
    const reason =
      inner instanceof ArtifactError
        ? inner.message.slice(`${inner.path}: `.length)
        : inner instanceof Error
          ? inner.message
          : String(inner);
    return new AnswerCacheError(reason, path, { cause: error });
  }
}
