/**
 * LM calls that may fail in a row (each after its own retries) before a run stops: by then the LM
 * is unreachable or misconfigured (a wrong URL or port, a server that went down), not unlucky, and
 * counting the rest of the rows as its wrong answers would only calibrate on the outage.
 */
export const defaultMaxConsecutiveFailures = 8;

/** Counts LM calls that failed since the last one that got an answer. */
export interface ConsecutiveFailures {
  /** A call got an answer (usable or not): the count starts again. */
  succeeded(): void;
  /** A call failed; true when `limit` calls in a row have now failed. */
  failed(): boolean;
  readonly limit: number;
}

export function createConsecutiveFailures(limit = defaultMaxConsecutiveFailures): ConsecutiveFailures {
  let count = 0;
  return {
    limit,
    succeeded() {
      count = 0;
    },
    failed() {
      count += 1;
      return count >= limit;
    },
  };
}

/** How a failed LM call is reported: the error's class and message (`LargeModelNetworkError: could not reach …`). */
export function describeFailure(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** The reason a run gives when it stops on a streak of failures. */
export function failingLmMessage(limit: number, lastError: string): string {
  return `${limit} LM calls in a row failed after their retries (the last: ${lastError})`;
}
