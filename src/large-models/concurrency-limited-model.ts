import type { Completion, CompletionRequest, LargeModel } from "../spec/large-model.js";
import { createConcurrencyLimit } from "../util/concurrency-limit.js";

/** A model that lets at most `limit` calls reach `inner` at once; the others wait in arrival order. */
export function createConcurrencyLimitedModel(inner: LargeModel, limit: number): LargeModel {
  const limiter = createConcurrencyLimit(limit);
  return {
    id: inner.id,
    complete(request: CompletionRequest, options?: { signal?: AbortSignal }): Promise<Completion> {
      return limiter.run(() => inner.complete(request, options));
    },
  };
}
