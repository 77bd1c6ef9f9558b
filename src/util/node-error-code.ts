/** The Node error code of `error` (`ENOENT`, `EADDRINUSE`, ...), when it has one. */
export function nodeErrorCode(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null && "code" in error && typeof error.code === "string") {
    return error.code;
  }
  return undefined;
}
