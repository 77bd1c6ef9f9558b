import type { Completion, CompletionRequest, LargeModel } from "../spec/large-model.js";
import { LargeModelAbortedError } from "./errors/large-model-aborted-error.js";
import { requestKey } from "./request-key.js";

/** Hooks of a de-duplicating model. */
export interface DeduplicatingModelOptions {
  /** Called for each call that joined an identical call already in flight (no request of its own). */
  onShared?: () => void;
}

/** One call to the inner model, and the callers waiting for it. */
interface SharedCall {
  readonly answer: Promise<Completion>;
  readonly controller: AbortController;
  waiters: number;
}

/**
 * A model that sends identical requests in flight at the same time (keyed like the answer cache:
 * `requestKey`) to `inner` once: the callers that come while it runs wait for the same answer
 * (`cached: true` and `shared: true`: it cost them nothing) or the same error. A caller's abort
 * rejects that caller's call at once but cuts the shared call only when every waiter has aborted.
 * Put it outermost (above the cache), so that waiters share the cache lookup and the one write.
 */
export function createDeduplicatingModel(
  inner: LargeModel,
  options: DeduplicatingModelOptions = {},
): LargeModel {
  const inFlight = new Map<string, SharedCall>();
  const start = (key: string, request: CompletionRequest): SharedCall => {
    const controller = new AbortController();
    const call: SharedCall = {
      answer: inner.complete(request, { signal: controller.signal }),
      controller,
      waiters: 0,
    };
    const forget = () => {
      if (inFlight.get(key) === call) inFlight.delete(key);
    };
    call.answer.then(forget, forget);
    inFlight.set(key, call);
    return call;
  };
  const leave = (key: string, call: SharedCall, reason: unknown) => {
    call.waiters -= 1;
    if (call.waiters > 0) return;
    if (inFlight.get(key) === call) inFlight.delete(key);
    call.controller.abort(reason);
  };
  return {
    id: inner.id,
    async complete(request: CompletionRequest, callOptions?: { signal?: AbortSignal }): Promise<Completion> {
      const signal = callOptions?.signal;
      if (signal?.aborted) throw new LargeModelAbortedError({ cause: signal.reason });
      const key = requestKey(request);
      const running = inFlight.get(key);
      if (running !== undefined) options.onShared?.();
      const call = running ?? start(key, request);
      const completion = await wait(call, signal, (reason) => leave(key, call, reason));
      return running === undefined ? completion : { ...completion, cached: true, shared: true };
    },
  };
}

/** The shared call's answer for one waiter, or a LargeModelAbortedError as soon as its own signal aborts. */
function wait(
  call: SharedCall,
  signal: AbortSignal | undefined,
  onAbort: (reason: unknown) => void,
): Promise<Completion> {
  call.waiters += 1;
  if (signal === undefined) return call.answer;
  return new Promise((resolve, reject) => {
    const abort = () => {
      reject(new LargeModelAbortedError({ cause: signal.reason }));
      onAbort(signal.reason);
    };
    signal.addEventListener("abort", abort, { once: true });
    call.answer.then(
      (completion) => {
        signal.removeEventListener("abort", abort);
        resolve(completion);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", abort);
        reject(error);
      },
    );
  });
}
