import { resolve } from "node:path";
import { type AnswerCache, createAnswerCache } from "../large-models/answer-cache.js";
import { createCachedModel } from "../large-models/cached-model.js";
import { createDeduplicatingModel } from "../large-models/deduplicating-model.js";
import { createRedisAnswerCache } from "../large-models/redis-answer-cache.js";
import type { LargeModel } from "../spec/large-model.js";
import {
  defaultCacheFile,
  type LargeModelDependencies,
  type LargeModelSettings,
  type LargeModelStats,
} from "./lm-options.js";

/**
 * The model behind its answer cache (hits counted in `stats`): the SQLite file at --cache or the
 * default path (none with --no-cache), and with --redis the Redis cache of the fleet in front of it;
 * identical requests in flight at once sent upstream once (outermost).
 */
export function withAnswerCache(
  model: LargeModel,
  settings: LargeModelSettings,
  dependencies: LargeModelDependencies,
  stats: LargeModelStats,
): { model: LargeModel; cache: AnswerCache | undefined } {
  if (settings.cache === false) {
    return {
      model: deduplicated(withSharedCache(model, undefined, settings, dependencies, stats), stats),
      cache: undefined,
    };
  }
  const cachePath =
    typeof settings.cache === "string"
      ? resolve(settings.cache)
      : resolve(dependencies.cwd ?? process.cwd(), defaultCacheFile);
  const cache = createAnswerCache(cachePath, {
    onError: dependencies.cacheErrors ?? "throw",
    ...(dependencies.logger === undefined ? {} : { logger: dependencies.logger }),
  });
  return { model: deduplicated(withSharedCache(model, cache, settings, dependencies, stats), stats), cache };
}

/**
 * The model behind its answer cache: the SQLite file alone, or with --redis the Redis cache a fleet
 * shares (in front of the file, which then holds answers while Redis is down); with neither, as is.
 */
function withSharedCache(
  model: LargeModel,
  local: AnswerCache | undefined,
  settings: LargeModelSettings,
  dependencies: LargeModelDependencies,
  stats: LargeModelStats,
): LargeModel {
  const store =
    dependencies.redis === undefined
      ? local
      : createRedisAnswerCache(dependencies.redis, { local, ttlSeconds: settings.redisCacheTtlS });
  if (store === undefined) return model;
  return createCachedModel(model, store, {
    onHit: () => {
      stats.cacheHits++;
    },
    onEmptyReply: () => {
      stats.emptyReplies++;
    },
    onShared: () => {
      stats.sharedCalls++;
    },
  });
}

/**
 * The model with identical requests in flight at once sent upstream once (outermost: the callers
 * that join share the cache lookup and its one write), joins counted in `stats`.
 */
function deduplicated(model: LargeModel, stats: LargeModelStats): LargeModel {
  return createDeduplicatingModel(model, {
    onShared: () => {
      stats.sharedCalls++;
    },
  });
}
