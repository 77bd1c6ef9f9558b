import type { Completion, CompletionRequest, LargeModel } from "../spec/large-model.js";
import type { AnswerCache } from "./answer-cache.js";
import { isEmptyReply } from "./empty-reply.js";
import { requestKey } from "./request-key.js";

/** Hooks of a cached model: cache hits, and replies that held no text. */
export interface CachedModelOptions {
  /** Called for each answer taken from the cache. */
  onHit?: () => void;
  /** Called for each reply of `inner` whose text is empty (`content: null`, ""): it is returned but not stored. */
  onEmptyReply?: () => void;
}

/**
 * A model that answers from `cache` when it holds the exact request (`cached: true`, nothing spent)
 * and stores every successful answer of `inner` as soon as it arrives. Errors are never cached, nor
 * empty replies (the next identical call asks the LM again).
 */
export function createCachedModel(
  inner: LargeModel,
  cache: AnswerCache,
  options: CachedModelOptions = {},
): LargeModel {
  return {
    id: inner.id,
    async complete(request: CompletionRequest, callOptions?: { signal?: AbortSignal }): Promise<Completion> {
      const key = requestKey(request);
      const hit = cache.get(inner.id, key);
      // An empty answer stored by an older version is no answer either: asked again.
      if (hit !== undefined && !isEmptyReply(hit.text)) {
        options.onHit?.();
        return { text: hit.text, usage: hit.usage, cached: true };
      }
      const completion = await inner.complete(request, callOptions);
      if (isEmptyReply(completion.text)) options.onEmptyReply?.();
      else cache.put(inner.id, key, { text: completion.text, usage: completion.usage });
      return { ...completion, cached: false };
    },
  };
}
