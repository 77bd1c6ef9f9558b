import { EasyAdaptError } from "../spec/errors/easy-adapt-error.js";
import type { Completion, CompletionRequest, LargeModel } from "../spec/large-model.js";
import type { CircuitBreaker } from "./circuit-breaker.js";
import { describeFailure } from "./consecutive-failures.js";
import { CircuitOpenError } from "./errors/circuit-open-error.js";
import { LargeModelHttpError } from "./errors/large-model-http-error.js";

/**
 * A model whose calls go through `breaker`: each call (each attempt, when placed under the retries)
 * needs a permit, and a refused one throws `CircuitOpenError` without calling `inner`. Timeouts,
 * network errors and 5xx count as failures; 429s, caller aborts and other errors count for nothing.
 */
export function createCircuitBreakingModel(inner: LargeModel, breaker: CircuitBreaker): LargeModel {
  return {
    id: inner.id,
    async complete(request: CompletionRequest, options?: { signal?: AbortSignal }): Promise<Completion> {
      const permit = breaker.acquire();
      if (permit === undefined) throw new CircuitOpenError();
      try {
        const completion = await inner.complete(request, options);
        permit.succeeded();
        return completion;
      } catch (error) {
        if (isUpstreamFailure(error)) permit.failed(describeFailure(error));
        else permit.released();
        throw error;
      }
    },
  };
}

/** A failure that says the upstream is unwell: a retryable error other than a rate limit (429). */
function isUpstreamFailure(error: unknown): boolean {
  if (!(error instanceof EasyAdaptError) || !error.isRetryable) return false;
  return !(error instanceof LargeModelHttpError && error.status === 429);
}
