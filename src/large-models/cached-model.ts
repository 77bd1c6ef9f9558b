import type { Completion, CompletionRequest, LargeModel } from "../spec/large-model.js";
import type { AnswerStore } from "./answer-store.js";
import { isEmptyReply } from "./empty-reply.js";
import { requestKey } from "./request-key.js";

/** Hooks of a cached model: cache hits, and replies that held no text. */
export interface CachedModelOptions {
  /** Called for each answer taken from the cache. */
  onHit?: () => void;
  /** Called for each reply of `inner` whose text is empty (`content: null`, ""): it is returned but not stored. */
  onEmptyReply?: () => void;
  /** Called for each answer another process got for the same request while this one waited (`AnswerStore.claim`). */
  onShared?: () => void;
}

/**
 * A model that answers from `cache` when it holds the exact request (`cached: true`, nothing spent)
 * and stores every successful answer of `inner` as soon as it arrives. Errors are never cached, nor
 * empty replies (the next identical call asks the LM again). When the store can `claim` requests
 * (Redis, shared by replicas), a miss first claims the request: another process already asking
 * the LM for it hands over its answer (`cached: true`, `shared: true`) instead of a second call.
 */
export function createCachedModel(
  inner: LargeModel,
  cache: AnswerStore,
  options: CachedModelOptions = {},
): LargeModel {
  return {
    id: inner.id,
    async complete(request: CompletionRequest, callOptions?: { signal?: AbortSignal }): Promise<Completion> {
      const key = requestKey(request);
      const hit = await cache.get(inner.id, key);
      // An empty answer stored by an older version is no answer either: asked again.
      if (hit !== undefined && !isEmptyReply(hit.text)) {
        options.onHit?.();
        return { text: hit.text, usage: hit.usage, cached: true };
      }
      const claim = await cache.claim?.(inner.id, key, callOptions?.signal);
      if (claim?.kind === "answer") {
        options.onShared?.();
        return { text: claim.answer.text, usage: claim.answer.usage, cached: true, shared: true };
      }
      try {
        const completion = await inner.complete(request, callOptions);
        if (isEmptyReply(completion.text)) options.onEmptyReply?.();
        else await cache.put(inner.id, key, { text: completion.text, usage: completion.usage });
        return { ...completion, cached: false };
      } finally {
        if (claim?.kind === "owner") claim.release();
      }
    },
  };
}
