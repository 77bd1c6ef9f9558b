import { nodeErrorCode } from "../util/node-error-code.js";

/**
 * Makes a closed stdout or stderr (`easy-adapt adapt --help | head -1`, a pager quit early) end
 * the process quietly, as other command-line tools do, instead of an unhandled `EPIPE` error with
 * its stack trace. The exit code is the one already set, else 0. Other stream errors are thrown
 * as before.
 */
export function exitQuietlyOnClosedPipe(
  streams: readonly NodeJS.WriteStream[] = [process.stdout, process.stderr],
): void {
  for (const stream of streams) {
    stream.on("error", (error: unknown) => {
      if (nodeErrorCode(error) !== "EPIPE") throw error;
      process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
    });
  }
}
