/** Runs at most `maxConcurrent` tasks at once; the others wait in first-in, first-out order. */
export interface ConcurrencyLimit {
  /**
   * Runs `task` once a slot is free. When `signal` aborts while the task still waits, it leaves
   * the queue and `run` rejects with the signal's reason (the task never runs).
   */
  run<Value>(task: () => Promise<Value>, signal?: AbortSignal): Promise<Value>;
  readonly active: number;
  readonly waiting: number;
}

/** One queued task: `grant` hands it the slot; a task that left the queue (`left`) is skipped. */
interface Waiter {
  grant: () => void;
  left: boolean;
}

export function createConcurrencyLimit(maxConcurrent: number): ConcurrencyLimit {
  if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) {
    throw new RangeError(`maxConcurrent must be a positive integer, got ${maxConcurrent}`);
  }
  let active = 0;
  let abandoned = 0;
  const queue: Waiter[] = [];
  let head = 0;

  /** Hands the slot to the first task still waiting, else frees it. */
  function release(): void {
    while (head < queue.length) {
      const next = queue[head]!;
      queue[head] = granted;
      head += 1;
      if (head > 1024 && head * 2 > queue.length) {
        queue.splice(0, head);
        head = 0;
      }
      if (!next.left) {
        next.grant();
        return;
      }
      abandoned -= 1;
    }
    active -= 1;
  }

  /** Waits for the slot `release` hands over (without decrementing `active`), or leaves on abort. */
  function waitForSlot(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { grant: resolve, left: false };
      if (signal === undefined) {
        queue.push(waiter);
        return;
      }
      const onAbort = () => {
        abandoned += 1;
        waiter.left = true;
        reject(signal.reason);
      };
      waiter.grant = () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      };
      queue.push(waiter);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  async function run<Value>(task: () => Promise<Value>, signal?: AbortSignal): Promise<Value> {
    if (signal?.aborted) throw signal.reason;
    if (active < maxConcurrent) active += 1;
    else await waitForSlot(signal);
    try {
      return await task();
    } finally {
      release();
    }
  }

  return {
    run,
    get active() {
      return active;
    },
    get waiting() {
      return queue.length - head - abandoned;
    },
  };
}

/** What a handed-over queue entry is replaced with, so that the queue holds no finished task. */
const granted: Waiter = { grant: () => {}, left: false };
