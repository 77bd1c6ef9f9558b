/** Runs at most `maxConcurrent` tasks at once; the others wait in first-in, first-out order. */
export interface ConcurrencyLimit {
  run<Value>(task: () => Promise<Value>): Promise<Value>;
  readonly active: number;
  readonly waiting: number;
}

export function createConcurrencyLimit(maxConcurrent: number): ConcurrencyLimit {
  if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) {
    throw new RangeError(`maxConcurrent must be a positive integer, got ${maxConcurrent}`);
  }
  let active = 0;
  const queue: Array<() => void> = [];
  let head = 0;

  function release(): void {
    if (head < queue.length) {
      const next = queue[head]!;
      queue[head] = noop;
      head += 1;
      if (head > 1024 && head * 2 > queue.length) {
        queue.splice(0, head);
        head = 0;
      }
      next();
    } else {
      active -= 1;
    }
  }

  async function run<Value>(task: () => Promise<Value>): Promise<Value> {
    if (active < maxConcurrent) {
      active += 1;
    } else {
      // The slot is handed over by `release` without decrementing `active`.
      await new Promise<void>((resolve) => queue.push(resolve));
    }
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
      return queue.length - head;
    },
  };
}

function noop(): void {}
