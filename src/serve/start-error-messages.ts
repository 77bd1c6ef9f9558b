import { dirname } from "node:path";
import { ServeStartError } from "../spec/errors/serve-start-error.js";
import { nodeErrorCode } from "../util/node-error-code.js";

/** The user error for a server that fails to listen on `host:port`. */
export function listenError(error: unknown, host: string, port: number): ServeStartError {
  const code = nodeErrorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case "EADDRINUSE":
      return new ServeStartError(
        `port ${port} on ${host} is already in use: choose another with --port (or --port 0 for a free one)`,
        { code, cause: error },
      );
    case "EACCES":
    case "EPERM":
      return new ServeStartError(
        `not allowed to listen on port ${port} on ${host} (${code}): choose a port above 1023 with --port (or --port 0 for a free one)`,
        { code, cause: error },
      );
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_FAIL":
    case "EAI_NONAME":
      return new ServeStartError(
        `cannot listen on host ${host}: ${code} (not an IP address or a known host name)`,
        { code, cause: error },
      );
    case "EADDRNOTAVAIL":
      return new ServeStartError(
        `cannot listen on host ${host}: ${code} (the address is not one of this machine's)`,
        { code, cause: error },
      );
    default:
      return new ServeStartError(`cannot listen on port ${port} on host ${host}: ${message}`, {
        code,
        cause: error,
      });
  }
}

/** The user error for a decision log that cannot be opened for appending. */
export function decisionLogOpenError(error: unknown, path: string): ServeStartError {
  const code = nodeErrorCode(error);
  const reason = (() => {
    switch (code) {
      case "ENOENT":
        return `the folder ${dirname(path)} does not exist`;
      case "EACCES":
      case "EPERM":
        return "permission denied";
      case "EISDIR":
        return "it is a folder";
      case "ENOTDIR":
        return "a part of its path is not a folder";
      case "EROFS":
        return "the file system is read-only";
      default:
        return error instanceof Error ? error.message : String(error);
    }
  })();
  return new ServeStartError(
    `cannot open the decision log ${path} for appending: ${reason}${code === undefined ? "" : ` (${code})`}`,
    { code, cause: error },
  );
}
