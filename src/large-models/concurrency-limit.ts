import type { Completion, CompletionRequest, LargeModel } from "../spec/large-model.js";

/** Runs at most `limit` tasks at once; the others wait in arrival order. */
export interface ConcurrencyLimiter {
  run<Result>(task: () => Promise<Result>): Promise<Result>;
  readonly active: number;
  readonly waiting: number;
}

export function createConcurrencyLimiter(limit: number): ConcurrencyLimiter {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`concurrency must be an integer >= 1, got ${limit}`);
  let active = 0;
  const queue: Array<() => void> = [];
  const release = () => {
    const next = queue.shift();
    if (next === undefined) active--;
    else next();
  };
  return {
    async run<Result>(task: () => Promise<Result>): Promise<Result> {
      if (active < limit) active++;
      else await new Promise<void>((resolve) => queue.push(resolve));
      try {
        return await task();
      } finally {
        release();
      }
    },
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
  };
}

/** A model that lets at most `limit` calls reach `inner` at once. */
export function createConcurrencyLimitedModel(inner: LargeModel, limit: number): LargeModel {
  const limiter = createConcurrencyLimiter(limit);
  return {
    id: inner.id,
    complete(request: CompletionRequest, options?: { signal?: AbortSignal }): Promise<Completion> {
      return limiter.run(() => inner.complete(request, options));
    },
  };
}
