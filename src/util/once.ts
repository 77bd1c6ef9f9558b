/** `start` called on the first use only; every call gets that first result (a promise, say). */
export function once<Value>(start: () => Value): () => Value {
  let started: { value: Value } | undefined;
  return () => {
    started ??= { value: start() };
    return started.value;
  };
}
