/**
 * How long a probe waits with no LM call finishing (answered, or failed after its retries) before
 * it gives up (30 s): an upstream that accepts requests and never answers would otherwise hold every
 * call for its whole timeout, retries and backoffs included (minutes with the default flags).
 */
export const defaultStallTimeoutMs = 30_000;

/** Watches a run for progress: `onStall` runs once when `progressed` has not been called for the timeout. */
export interface StallWatch {
  /** A row finished: the wait starts again. */
  progressed(): void;
  /** The run is over: no stall will be reported. */
  stop(): void;
}

/**
 * Starts the watch; `timeoutMs` 0 (or less) never reports a stall. `onStall` receives the timeout
 * that passed.
 */
export function watchForStall(timeoutMs: number, onStall: (timeoutMs: number) => void): StallWatch {
  if (!(timeoutMs > 0)) return { progressed() {}, stop() {} };
  const timer = setTimeout(() => onStall(timeoutMs), timeoutMs);
  return {
    progressed() {
      timer.refresh();
    },
    stop() {
      clearTimeout(timer);
    },
  };
}

/** The reason a probe gives when it stops on a stall. */
export function stalledLmMessage(timeoutMs: number): string {
  const seconds = Number((timeoutMs / 1000).toFixed(3));
  return (
    `no LM call finished (answered or failed) in ${seconds} s, the stall timeout (--stall-timeout-ms): ` +
    "the LM accepts requests but does not answer; the calls in flight were cancelled"
  );
}
