import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createFleetShareBudget } from "../../src/adapter/fleet-share-budget.js";
import { createCachedModel } from "../../src/large-models/cached-model.js";
import { createRedisAnswerCache, redisAnswerKey } from "../../src/large-models/redis-answer-cache.js";
import { requestKey } from "../../src/large-models/request-key.js";
import type { CompletionRequest, LargeModel } from "../../src/spec/large-model.js";
import { createRedisLink, type RedisLink } from "../../src/util/redis-link.js";
import { redisMissing, startTestRedis, type TestRedis } from "../support/redis-server.js";

const request: CompletionRequest = {
  messages: [{ role: "user", content: "where is my card" }],
  temperature: 0,
  maxTokens: 8,
};
const usage = { promptTokens: 3, completionTokens: 1 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A model answering `text` after `delayMs` (or failing), counting its calls. */
function countingModel(outcome: { text?: string; delayMs?: number; fail?: boolean }) {
  const model = {
    calls: 0,
    id: "scripted:m",
    async complete() {
      model.calls += 1;
      await sleep(outcome.delayMs ?? 0);
      if (outcome.fail === true) throw new Error("upstream down");
      return { text: outcome.text ?? "lost_card", usage, cached: false };
    },
  };
  return model satisfies LargeModel;
}

describe.skipIf(redisMissing !== undefined)("state shared in Redis", () => {
  let redis: TestRedis;
  let admin: Redis;
  const links: RedisLink[] = [];
  const lines: string[] = [];
  const link = () => {
    const opened = createRedisLink({ url: redis.url, onChange: (change) => lines.push(`${change.up}`) });
    links.push(opened);
    return opened;
  };

  beforeAll(async () => {
    redis = await startTestRedis();
    admin = new Redis(redis.url, { maxRetriesPerRequest: 0 });
  });
  beforeEach(async () => {
    await admin.flushall();
    lines.length = 0;
  });
  afterEach(async () => {
    for (const opened of links.splice(0)) await opened.close();
  });
  afterAll(async () => {
    admin.disconnect();
    await redis.stop();
  });

  it("stores answers under the SQLite cache's keys, with the TTL asked for", async () => {
    const timed = createRedisAnswerCache(link(), { ttlSeconds: 60 });
    await timed.put("scripted:m", "abc", { text: "lost_card", usage });
    expect(await admin.get(redisAnswerKey("easy-adapt", "scripted:m", "abc"))).toContain("lost_card");
    const ttl = await admin.pttl("easy-adapt:answer:scripted:m:abc");
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    await createRedisAnswerCache(link()).put("scripted:m", "def", { text: "x", usage });
    expect(await admin.pttl("easy-adapt:answer:scripted:m:def")).toBe(-1);
    expect(await createRedisAnswerCache(link()).get("scripted:m", "abc")).toEqual({
      text: "lost_card",
      usage,
    });
  });

  it("hands the lease over when its holder's call fails: the waiter asks the LM itself", async () => {
    const failing = countingModel({ delayMs: 100, fail: true });
    const working = countingModel({ delayMs: 10 });
    const first = createCachedModel(failing, createRedisAnswerCache(link()));
    const second = createCachedModel(working, createRedisAnswerCache(link()));
    const firstCall = first.complete(request).catch((error: unknown) => error);
    await sleep(30);
    const answer = await second.complete(request);
    expect(await firstCall).toBeInstanceOf(Error);
    expect(answer).toMatchObject({ text: "lost_card", cached: false });
    expect([failing.calls, working.calls]).toEqual([1, 1]);
  });

  it("waits a bounded time for a lease that never ends, then asks the LM itself", async () => {
    await admin.set(`easy-adapt:lease:scripted:m:${requestKey(request)}`, "someone", "PX", 60_000);
    const model = countingModel({});
    const cached = createCachedModel(model, createRedisAnswerCache(link(), { waitMs: 200 }));
    const startedAt = performance.now();
    expect(await cached.complete(request)).toMatchObject({ cached: false });
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(150);
    expect(model.calls).toBe(1);
  });

  it("bounds commands to a frozen Redis: the link goes down, local state answers, and it comes back", async () => {
    const shared = link();
    expect(await shared.ready(2_000)).toBe(true);
    const budget = createFleetShareBudget(shared, { key: "easy-adapt:share:t", maxLmShare: 0.5 });
    expect(await budget.admit(true)).toBe(true);
    redis.pause();
    try {
      const startedAt = performance.now();
      const got = await createRedisAnswerCache(shared).get("scripted:m", "abc");
      expect(got).toBeUndefined();
      expect(performance.now() - startedAt).toBeLessThan(1_500);
      const deadline = Date.now() + 3_000;
      while (shared.up && Date.now() < deadline) await sleep(20);
      expect(shared.up).toBe(false);
      // A fresh local budget: its first input may go to the LM, then S of the inputs.
      expect([budget.admit(true), budget.admit(true), budget.admit(true)]).toEqual([true, false, true]);
    } finally {
      redis.resume();
    }
    const deadline = Date.now() + 5_000;
    while (!shared.up && Date.now() < deadline) await sleep(20);
    expect(shared.up).toBe(true);
    expect(lines).toEqual(["false", "true"]);
  }, 15_000);
});
