import { type FileHandle, open } from "node:fs/promises";
import type { AdaptedPrediction, Route } from "../spec/adapter.js";
import type { Logger } from "../spec/logger.js";
import { createRotatingLogFile } from "./rotating-log-file.js";
import { decisionLogOpenError } from "./start-error-messages.js";

/**
 * One line of the decision log: what was decided for one input, with its SHA-256 and, only when
 * asked (`--log-inputs`), its text, so that a later version can be retrained from the LM answers
 * collected in serving.
 */
export interface DecisionRecord {
  /** ISO 8601 time of the answer. */
  time: string;
  endpoint: "chat_completions" | "classify";
  /** The model name of the adapter that answered (its task name, or the name it is served as). */
  adapter?: string;
  /** The id of the adapter that answered (a hash of its manifest), when it was loaded from a folder. */
  adapterId?: string;
  /** The adapter's task name. */
  task?: string;
  /** Hex SHA-256 of the UTF-8 input text. */
  inputSha256: string;
  /** The input text itself, only when the server logs inputs (`logInputs`, `--log-inputs`). */
  input?: string;
  route: Route;
  label: string;
  /** The estimated probability that `label` is right. */
  confidence: number;
  ssmLabel: string;
  ssmConfidence: number;
  /** The LM's raw answer, set when the LM was called and answered. */
  lmAnswer?: string;
  fallbackReason?: AdaptedPrediction["fallbackReason"];
  /** Set when the router sent the input to the LM but the adapter's LM-share cap was spent: the SSM answered. */
  shareCapped?: true;
  /**
   * Set when the input's LM call was cut off or never made because its client went away
   * ("client-disconnect") or the server shut down ("shutdown"): not an LM failure, and no answer
   * reached the client.
   */
  cutOff?: "client-disconnect" | "shutdown";
  latencyMs: number;
}

/**
 * An append-only JSON-lines log with buffered writes; a failed write is reported, never thrown.
 * A record may be handed over as a function that builds it: it is called when the buffer is
 * written, off the path of the request that made it (hashing and serialising wait till then).
 */
export interface DecisionLog {
  append(record: DecisionRecord | (() => DecisionRecord)): void;
  /** Writes everything appended so far. Never rejects. */
  flush(): Promise<void>;
  /**
   * Writes what was appended so far, then closes the file: the next write opens the path anew (after
   * logrotate renamed it, say). Never rejects.
   */
  reopen(): Promise<void>;
  /** Flushes and closes the file. Never rejects. */
  close(): Promise<void>;
}

export interface DecisionLogOptions {
  path: string;
  logger: Logger;
  /** Called once per failed write (e.g. to count it in the metrics). */
  onWriteError?: (error: unknown) => void;
  /** Buffered records are written at least this often (default 200 ms). */
  flushIntervalMs?: number;
  /** A write starts at once when this many records are buffered (default 2,048). */
  maxBufferedRecords?: number;
  /**
   * When set, a file that holds this many bytes or more is rotated before the next write: renamed
   * `FILE.1` (older ones shifted, `rotatedLogFilesKept` kept) and a new file opened.
   */
  maxBytes?: number | undefined;
}

/**
 * Opens the log file for appending now (creating it if need be) and returns the log writing to it;
 * rejects with a ServeStartError naming the path and the reason when it cannot be opened.
 */
export async function openDecisionLog(options: DecisionLogOptions): Promise<DecisionLog> {
  let file: FileHandle;
  try {
    file = await open(options.path, "a");
  } catch (error) {
    throw decisionLogOpenError(error, options.path);
  }
  return createDecisionLog(options, file);
}

/** A decision log that opens its file on the first write (or writes to `openFile`, when given). */
export function createDecisionLog(options: DecisionLogOptions, openFile?: FileHandle): DecisionLog {
  const flushIntervalMs = options.flushIntervalMs ?? 200;
  const maxBufferedRecords = options.maxBufferedRecords ?? 2048;
  let pending: (DecisionRecord | (() => DecisionRecord))[] = [];
  let timer: NodeJS.Timeout | undefined;
  const file = createRotatingLogFile(options.path, { maxBytes: options.maxBytes, file: openFile });
  let writing: Promise<void> = Promise.resolve();
  let closed = false;

  function scheduleFlush(): void {
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, flushIntervalMs);
    timer.unref();
  }

  async function writeBatch(records: (DecisionRecord | (() => DecisionRecord))[]): Promise<void> {
    try {
      let text = "";
      for (const record of records) {
        text += `${JSON.stringify(typeof record === "function" ? record() : record)}\n`;
      }
      await file.write(text);
    } catch (error) {
      options.logger.warn("decision-log-write-failed", {
        path: options.path,
        records: records.length,
        error: error instanceof Error ? error.message : String(error),
      });
      options.onWriteError?.(error);
    }
  }

  function flush(): Promise<void> {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (pending.length > 0) {
      const records = pending;
      pending = [];
      writing = writing.then(() => writeBatch(records));
    }
    return writing;
  }

  return {
    append(record) {
      if (closed) return;
      pending.push(record);
      if (pending.length >= maxBufferedRecords) void flush();
      else scheduleFlush();
    },
    flush,
    reopen() {
      flush();
      writing = writing.then(() => closeQuietly("decision-log-reopen-failed"));
      return writing;
    },
    async close() {
      await flush();
      closed = true;
      await closeQuietly("decision-log-close-failed");
    },
  };

  async function closeQuietly(event: string): Promise<void> {
    try {
      await file.close();
    } catch (error) {
      options.logger.warn(event, {
        path: options.path,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}

/** The decision log used when none is asked for: records nothing. */
export const disabledDecisionLog: DecisionLog = {
  append() {},
  flush: () => Promise.resolve(),
  reopen: () => Promise.resolve(),
  close: () => Promise.resolve(),
};
