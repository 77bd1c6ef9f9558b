/** The outcomes of the latest calls, for a circuit breaker's failure rate. */
export interface FailureWindow {
  /** Records one call; true when the window is full and its failure rate has reached the threshold. */
  record(failed: boolean): boolean;
  /** e.g. "12 of 20". */
  describe(): string;
  reset(): void;
}

/** A window of the latest `size` call outcomes that trips at a failure rate of `rate` or more. */
export function createFailureWindow(size: number, rate: number): FailureWindow {
  const outcomes = new Uint8Array(Math.max(1, size));
  let next = 0;
  let filled = 0;
  let failures = 0;
  return {
    record(failed) {
      if (filled === outcomes.length) failures -= outcomes[next]!;
      else filled += 1;
      outcomes[next] = failed ? 1 : 0;
      failures += failed ? 1 : 0;
      next = (next + 1) % outcomes.length;
      return filled === outcomes.length && failures >= rate * outcomes.length;
    },
    describe: () => `${failures} of ${filled}`,
    reset() {
      outcomes.fill(0);
      next = 0;
      filled = 0;
      failures = 0;
    },
  };
}
