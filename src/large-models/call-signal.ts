/**
 * The signal of one LM call: aborts when the caller's signal aborts or when `timeoutMs` passes,
 * and remembers which of the two happened. Call `dispose()` when the call ends.
 */
export interface CallSignal {
  readonly signal: AbortSignal;
  timedOut(): boolean;
  callerAborted(): boolean;
  dispose(): void;
}

export function createCallSignal(timeoutMs: number, outer?: AbortSignal): CallSignal {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onAbort = () => controller.abort(outer?.reason);
  if (outer !== undefined) {
    if (outer.aborted) onAbort();
    else outer.addEventListener("abort", onAbort, { once: true });
  }
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    callerAborted: () => outer?.aborted === true,
    dispose() {
      clearTimeout(timer);
      outer?.removeEventListener("abort", onAbort);
    },
  };
}
