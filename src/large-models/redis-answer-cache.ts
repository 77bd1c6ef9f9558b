import { randomUUID } from "node:crypto";
import type { RedisLink } from "../util/redis-link.js";
import type { AnswerCache, CachedAnswer } from "./answer-cache.js";
import type { AnswerClaim, AnswerStore } from "./answer-store.js";
import { sleep } from "./sleep.js";

/** The Redis answer cache's settings. */
export interface RedisAnswerCacheOptions {
  /** The local SQLite cache: read first, always written, and the whole cache while Redis is down. */
  local?: AnswerCache | undefined;
  /** Seconds a stored answer lives in Redis (default: for ever). */
  ttlSeconds?: number | undefined;
  /** How long a replica's claim on a request lasts in Redis (default 30 000 ms: longer than a call). */
  leaseMs?: number;
  /** How long a replica waits for another's answer before it asks the LM itself (default 15 000 ms). */
  waitMs?: number;
  /** How often a waiting replica looks for the answer (default 25 ms). */
  pollMs?: number;
  /** Key prefix (default "easy-adapt"). */
  prefix?: string;
}

/** The Redis key of one answer: the same model id and request hash as the SQLite cache's primary key. */
export function redisAnswerKey(prefix: string, modelId: string, requestHash: string): string {
  return `${prefix}:answer:${modelId}:${requestHash}`;
}

/**
 * The answer cache of a fleet: answers live in Redis under the SQLite cache's keys (model id,
 * request hash), so an answer one replica (or `adapt`) paid for is reused by all; `claim` leases a
 * request for `leaseMs` (SET NX PX) so that identical inputs in flight on several replicas make
 * one upstream call, the others polling for its answer at most `waitMs`. The local SQLite cache
 * (when given) is read first and always written; while Redis is down it is the whole cache.
 */
export function createRedisAnswerCache(link: RedisLink, options: RedisAnswerCacheOptions = {}): AnswerStore {
  const prefix = options.prefix ?? "easy-adapt";
  const local = options.local;
  const key = (modelId: string, hash: string) => redisAnswerKey(prefix, modelId, hash);
  const read = (modelId: string, hash: string) =>
    link.run(
      async (client) => parseAnswer(await client.get(key(modelId, hash))),
      () => undefined,
    );
  const settings = {
    leaseMs: options.leaseMs ?? 30_000,
    waitMs: options.waitMs ?? 15_000,
    pollMs: options.pollMs ?? 25,
  };
  return {
    async get(modelId, hash) {
      const stored = local?.get(modelId, hash);
      if (stored !== undefined) return stored;
      const shared = await read(modelId, hash);
      if (shared !== undefined) local?.put(modelId, hash, shared);
      return shared;
    },
    async put(modelId, hash, answer) {
      local?.put(modelId, hash, answer);
      const value = JSON.stringify(answer);
      await link.run(
        async (client) => {
          if (options.ttlSeconds === undefined) await client.set(key(modelId, hash), value);
          else await client.set(key(modelId, hash), value, "EX", options.ttlSeconds);
        },
        () => undefined,
      );
    },
    claim: (modelId, hash, signal) =>
      claimRequest(link, `${prefix}:lease:${modelId}:${hash}`, () => read(modelId, hash), settings, signal),
  };
}

/**
 * The request hashes among `hashes` whose answers `modelId` has in the fleet's Redis cache (one
 * pipelined EXISTS per 500); none while Redis is unreachable. For `--dry-run`: those cost nothing.
 */
export function sharedCachedHashes(
  link: RedisLink,
  modelId: string,
  hashes: readonly string[],
  prefix = "easy-adapt",
): Promise<Set<string>> {
  return link.run(
    async (client) => {
      const found = new Set<string>();
      for (let start = 0; start < hashes.length; start += 500) {
        const chunk = hashes.slice(start, start + 500);
        const replies = await client
          .pipeline(chunk.map((hash) => ["exists", redisAnswerKey(prefix, modelId, hash)]))
          .exec();
        chunk.forEach((hash, index) => {
          if (replies?.[index]?.[1] === 1) found.add(hash);
        });
      }
      return found;
    },
    () => new Set<string>(),
  );
}

/**
 * Leases `leaseKey` (owner), or polls for the answer while another replica holds it (answer); if
 * the holder gives it up without an answer (its call failed), takes the lease over. `none` when
 * Redis is down, the wait is over, or the caller aborted.
 */
async function claimRequest(
  link: RedisLink,
  leaseKey: string,
  readAnswer: () => Promise<CachedAnswer | undefined>,
  settings: { leaseMs: number; waitMs: number; pollMs: number },
  signal: AbortSignal | undefined,
): Promise<AnswerClaim> {
  const token = randomUUID();
  const deadline = performance.now() + settings.waitMs;
  for (let first = true; link.up && signal?.aborted !== true; first = false) {
    // The holder stores its answer before it lets the lease go: look for the answer first.
    if (!first) {
      const answer = await readAnswer();
      if (answer !== undefined) return { kind: "answer", answer };
    }
    const taken = await link.run(
      async (client) => (await client.set(leaseKey, token, "PX", settings.leaseMs, "NX")) === "OK",
      () => undefined,
    );
    if (taken === undefined) break;
    if (taken) {
      // The previous holder may have stored its answer and let go just before this lease was taken.
      const answer = await readAnswer();
      if (answer === undefined) return { kind: "owner", release: () => releaseLease(link, leaseKey, token) };
      releaseLease(link, leaseKey, token);
      return { kind: "answer", answer };
    }
    if (performance.now() + settings.pollMs > deadline) break;
    try {
      await sleep(settings.pollMs, signal);
    } catch {
      break;
    }
  }
  return { kind: "none" };
}

/** Deletes the lease if this replica still holds it (a compare-and-delete in one Lua call). */
function releaseLease(link: RedisLink, leaseKey: string, token: string): void {
  void link.run(
    (client) =>
      client.eval(
        'if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0',
        1,
        leaseKey,
        token,
      ),
    () => 0,
  );
}

/** A stored answer, or undefined for a missing or malformed value. */
function parseAnswer(value: string | null): CachedAnswer | undefined {
  if (value === null) return undefined;
  try {
    const parsed = JSON.parse(value) as Partial<CachedAnswer>;
    const usage = parsed.usage;
    if (typeof parsed.text !== "string" || typeof usage !== "object" || usage === null) return undefined;
    if (typeof usage.promptTokens !== "number" || typeof usage.completionTokens !== "number")
      return undefined;
    return {
      text: parsed.text,
      usage: { promptTokens: usage.promptTokens, completionTokens: usage.completionTokens },
    };
  } catch {
    return undefined;
  }
}
