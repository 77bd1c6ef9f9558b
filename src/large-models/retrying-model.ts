import { EasyAdaptError } from "../spec/errors/easy-adapt-error.js";
import type { Completion, CompletionRequest, LargeModel } from "../spec/large-model.js";
import { LargeModelAbortedError } from "./errors/large-model-aborted-error.js";
import { LargeModelHttpError } from "./errors/large-model-http-error.js";
import { LargeModelTimeoutError } from "./errors/large-model-timeout-error.js";
import { sleep as defaultSleep } from "./sleep.js";

/** How `createRetryingModel` retries: how often, how long it waits, and hooks for tests. */
export interface RetryOptions {
  /** Retries after the first attempt (default 3). */
  maxRetries?: number;
  /**
   * Retries after an attempt that timed out (default `maxRetries`). A slow upstream usually
   * received, and bills, every attempt that timed out: `serve` retries a timeout once.
   */
  maxTimeoutRetries?: number;
  /** First backoff delay (default 500 ms); doubled per retry, capped by `maxDelayMs`. */
  baseDelayMs?: number;
  /** Cap of the exponential backoff (default 8 000 ms). */
  maxDelayMs?: number;
  /** A server's Retry-After above this (default 60 000 ms) is capped to it. */
  maxRetryAfterMs?: number;
  /** Jitter source in [0, 1) (default Math.random). */
  random?: () => number;
  sleep?: (milliseconds: number, signal?: AbortSignal) => Promise<void>;
  onRetry?: (event: { attempt: number; delayMs: number; error: EasyAdaptError }) => void;
}

/**
 * Retries retryable failures (HTTP 408/409/429/5xx, timeouts, network errors) with capped
 * exponential backoff and jitter, honouring the server's `retry-after-ms` / `Retry-After`.
 * Authentication errors, malformed responses and aborts are never retried.
 */
export function createRetryingModel(inner: LargeModel, options: RetryOptions = {}): LargeModel {
  const maxRetries = options.maxRetries ?? 3;
  const maxTimeoutRetries = options.maxTimeoutRetries ?? maxRetries;
  const baseDelayMs = options.baseDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 8_000;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? defaultSleep;

  const delayFor = (attempt: number, error: EasyAdaptError): number => {
    if (error instanceof LargeModelHttpError && error.retryAfterMs !== undefined) {
      return Math.min(error.retryAfterMs, maxRetryAfterMs);
    }
    const backoff = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
    return backoff * (1 - 0.25 * random());
  };

  return {
    id: inner.id,
    async complete(request: CompletionRequest, callOptions?: { signal?: AbortSignal }): Promise<Completion> {
      let timeouts = 0;
      for (let attempt = 0; ; attempt++) {
        try {
          return await inner.complete(request, callOptions);
        } catch (error) {
          if (!(error instanceof EasyAdaptError) || !error.isRetryable || attempt >= maxRetries) throw error;
          if (error instanceof LargeModelTimeoutError && ++timeouts > maxTimeoutRetries) throw error;
          if (callOptions?.signal?.aborted) throw new LargeModelAbortedError({ cause: error });
          const delayMs = delayFor(attempt, error);
          options.onRetry?.({ attempt: attempt + 1, delayMs, error });
          try {
            await sleep(delayMs, callOptions?.signal);
          } catch (abortReason) {
            throw new LargeModelAbortedError({ cause: abortReason });
          }
        }
      }
    },
  };
}
