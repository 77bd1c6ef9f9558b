import type { Completion, CompletionRequest, LargeModel } from "../spec/large-model.js";
import { type ConcurrencyLimit, createConcurrencyLimit } from "../util/concurrency-limit.js";

/** Runs at most `limit` tasks at once; the others wait in arrival order. */
export type ConcurrencyLimiter = ConcurrencyLimit;

export function createConcurrencyLimiter(limit: number): ConcurrencyLimiter {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`concurrency must be an integer >= 1, got ${limit}`);
  return createConcurrencyLimit(limit);
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
