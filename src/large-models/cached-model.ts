import type { Completion, CompletionRequest, LargeModel } from "../spec/large-model.js";
import type { AnswerCache } from "./answer-cache.js";
import { requestKey } from "./request-key.js";

/**
 * A model that answers from `cache` when it holds the exact request (`cached: true`, nothing spent)
 * and stores every successful answer of `inner` as soon as it arrives. Errors are never cached.
 */
export function createCachedModel(
  inner: LargeModel,
  cache: AnswerCache,
  options: { onHit?: () => void } = {},
): LargeModel {
  return {
    id: inner.id,
    async complete(request: CompletionRequest, callOptions?: { signal?: AbortSignal }): Promise<Completion> {
      const key = requestKey(request);
      const hit = cache.get(inner.id, key);
      if (hit !== undefined) {
        options.onHit?.();
        return { text: hit.text, usage: hit.usage, cached: true };
      }
      const completion = await inner.complete(request, callOptions);
      cache.put(inner.id, key, { text: completion.text, usage: completion.usage });
      return { ...completion, cached: false };
    },
  };
}
