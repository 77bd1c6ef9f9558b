import { setMaxListeners } from "node:events";
import type { Context } from "hono";
import { clientAbortSignal } from "./read-request-text.js";

/** How long a request may take, by default, before the SSM answers its LM-routed inputs (10 s). */
export const defaultRequestTimeoutMs = 10_000;

/** The abort reason of a request whose deadline (`--request-timeout-ms`) passed. */
export class RequestDeadlineExceeded extends Error {
  constructor(timeoutMs: number) {
    super(`the request's deadline of ${timeoutMs} ms passed`);
    this.name = "RequestDeadlineExceeded";
  }
}

/** True when `signal` aborted because the request's deadline passed (not because the client left). */
export function isDeadlineAbort(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true && signal.reason instanceof RequestDeadlineExceeded;
}

/**
 * A getter of the request's signal, created once on first use (only LM calls need it): it aborts
 * when the client goes away, or when `timeoutMs` have passed since this function was called (the
 * request's start), with a `RequestDeadlineExceeded` reason. It bounds the wait for an LM call
 * slot, every attempt and every backoff.
 */
export function requestSignalOf(context: Context, timeoutMs: number): () => AbortSignal {
  const startedAt = performance.now();
  let signal: AbortSignal | undefined;
  return () => {
    if (signal === undefined) {
      signal = AbortSignal.any([
        clientAbortSignal(context),
        deadlineSignal(timeoutMs, timeoutMs - (performance.now() - startedAt)),
      ]);
      // Each of a /v1/classify request's LM calls in flight listens to it once, until it ends: more
      // than 10 would otherwise print Node's false "memory leak" warning.
      setMaxListeners(0, signal);
    }
    return signal;
  };
}

/** Aborts with a `RequestDeadlineExceeded` after `remainingMs` (at once when none is left). */
function deadlineSignal(timeoutMs: number, remainingMs: number): AbortSignal {
  const controller = new AbortController();
  const reason = new RequestDeadlineExceeded(timeoutMs);
  if (remainingMs <= 0) controller.abort(reason);
  else setTimeout(() => controller.abort(reason), remainingMs).unref();
  return controller.signal;
}
