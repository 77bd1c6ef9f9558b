import { sleep } from "../large-models/sleep.js";
import { EasyAdaptError } from "../spec/errors/easy-adapt-error.js";

/**
 * The least time between a row's failure and its second chance (2 s): the retries' backoffs have
 * just covered a short outage; the second chance waits a little longer for it to pass.
 */
export const defaultSecondChanceDelayMs = 2_000;

/** One row waiting for its second chance, and when its first chance failed. */
interface WaitingRow {
  index: number;
  failedAt: number;
}

/**
 * Rows whose call failed after its retries with an error that may pass (HTTP 429/5xx, timeouts,
 * network errors), asked once more later in the run, after every row's first chance is taken.
 */
export interface SecondChances {
  /** True when a row failing with `error` on its first chance gets a second one. */
  deserves(error: unknown): boolean;
  /** Puts a row that failed now at the end of the queue. */
  add(index: number): void;
  /**
   * The next row due for its second chance, once at least the delay has passed since its failure;
   * undefined when none waits, or when `signal` aborts the wait.
   */
  next(signal: AbortSignal): Promise<number | undefined>;
}

/** Creates the queue; `now` in milliseconds (default `performance.now`). */
export function createSecondChances(delayMs: number, now: () => number): SecondChances {
  const waiting: WaitingRow[] = [];
  return {
    deserves: (error) => error instanceof EasyAdaptError && error.isRetryable,
    add(index) {
      waiting.push({ index, failedAt: now() });
    },
    async next(signal) {
      const row = waiting.shift();
      if (row === undefined) return undefined;
      const remaining = row.failedAt + delayMs - now();
      if (remaining > 0) {
        try {
          await sleep(remaining, signal);
        } catch {
          return undefined;
        }
      }
      return row.index;
    },
  };
}
