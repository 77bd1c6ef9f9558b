/** Wraps `fetch` so every real HTTP request is counted (the lead's httpCalls figure). */
export function createCountingFetch(baseFetch: typeof fetch, onCall: () => void): typeof fetch {
  return (input, init) => {
    onCall();
    return baseFetch(input, init);
  };
}
