import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { loadAdapter } from "../../src/adapter/load-adapter.js";
import { type FleetReplica, startFleetReplica } from "../fixtures/serve/fleet-replica.js";
import { type ScriptedUpstream, startScriptedUpstream } from "../fixtures/serve/scripted-upstream.js";
import { chatBody } from "../fixtures/serve/serve-fixture.js";
import { readTicketRows, ticketsAdapterFolder } from "../fixtures/serve/tickets-adapter.js";
import { redisMissing, startTestRedis, type TestRedis } from "../support/redis-server.js";

const answerSchema = z.object({
  easy_adapt: z.object({ route: z.string(), fallback_reason: z.string().optional() }),
});

/** Asks `replica` about `text`; resolves with the HTTP status and the route it answered by. */
async function ask(
  replica: FleetReplica,
  text: string,
): Promise<{ status: number; route: string; reason?: string }> {
  const response = await fetch(`${replica.serve.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: chatBody("tickets", text),
  });
  if (response.status !== 200) return { status: response.status, route: "none" };
  const body = answerSchema.parse(await response.json());
  return { status: 200, route: body.easy_adapt.route, reason: body.easy_adapt.fallback_reason };
}

describe.skipIf(redisMissing !== undefined)("serve replicas sharing state in Redis (--redis)", () => {
  let redis: TestRedis;
  let admin: Redis;
  let upstream: ScriptedUpstream;
  let lmTexts: string[];
  let ssmTexts: string[];
  const replicas: FleetReplica[] = [];
  // Upstream calls before the current test: each test counts its own.
  let callsBefore = 0;
  const calls = () => upstream.calls - callsBefore;
  const replica = async (options: Partial<Parameters<typeof startFleetReplica>[0]> = {}) => {
    const started = await startFleetReplica({
      redisUrl: redis.url,
      upstreamUrl: upstream.baseUrl,
      ...options,
    });
    replicas.push(started);
    return started;
  };

  beforeAll(async () => {
    redis = await startTestRedis();
    admin = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    upstream = await startScriptedUpstream();
    const adapter = await loadAdapter(await ticketsAdapterFolder());
    const texts = readTicketRows("test.csv").map((row) => row.text);
    lmTexts = texts.filter((text) => adapter.decide(text).useLm);
    ssmTexts = texts.filter((text) => !adapter.decide(text).useLm);
  }, 120_000);

  beforeEach(async () => {
    if (admin.status !== "ready") await admin.connect().catch(() => {});
    await admin.flushall();
    upstream.behaviour = { kind: "answer", content: "refund_request" };
    callsBefore = upstream.calls;
  });

  afterEach(async () => {
    for (const started of replicas.splice(0)) await started.close();
  });

  afterAll(async () => {
    admin.disconnect();
    await upstream.close();
    await redis.stop();
  });

  it("answers a text the first replica paid for from Redis on the second: zero upstream calls", async () => {
    const [first, second] = [await replica(), await replica()];
    const text = lmTexts[0]!;
    expect((await ask(first, text)).status).toBe(200);
    expect(calls()).toBe(1);
    expect(await ask(second, text)).toMatchObject({ status: 200 });
    expect(calls()).toBe(1);
  });

  it("makes one upstream call for an identical input in flight on two replicas at once", async () => {
    upstream.behaviour = { kind: "answer", content: "refund_request", delayMs: 300 };
    const [first, second] = [await replica(), await replica()];
    const text = lmTexts[1]!;
    const answers = await Promise.all([
      ask(first, text),
      ask(second, text),
      ask(first, text),
      ask(second, text),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    expect(new Set(answers.map((answer) => answer.route)).size).toBe(1);
    expect(calls()).toBe(1);
  });

  it("holds the --max-lm-share cap over three replicas: at most ⌈S·n⌉ + 3 LLM calls after n inputs", async () => {
    const share = 0.1;
    const fleet = [
      await replica({ maxLmShare: share }),
      await replica({ maxLmShare: share }),
      await replica({ maxLmShare: share }),
    ];
    // Unique texts (no cache hits), about 60% of them routed to the LM; uneven across the replicas.
    const inputs = Array.from({ length: 600 }, (_, index) => {
      const pool = index % 5 < 3 ? lmTexts : ssmTexts;
      return `${pool[index % pool.length]} (#${index})`;
    });
    const answers = await Promise.all(
      inputs.map((text, index) => ask(fleet[index % 7 < 4 ? 0 : index % 2 === 0 ? 1 : 2]!, text)),
    );
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    const bound = Math.ceil(share * inputs.length) + fleet.length;
    expect(calls()).toBeLessThanOrEqual(bound);
    // The LLM got about S of the fleet's inputs, not S of each replica's alone or more.
    expect(calls()).toBeGreaterThanOrEqual(Math.floor(share * inputs.length) - 5);
    const bucket = await admin.hgetall("easy-adapt:share:tickets");
    // Inputs kept local are added in the background: wait for the last flush.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const flushed = await admin.hgetall("easy-adapt:share:tickets");
    expect(Number(flushed.inputs)).toBe(inputs.length);
    expect(Number(bucket.calls)).toBe(calls());
  }, 30_000);

  it("shares the circuit breaker: one replica's discovery that the upstream is down spares the other", async () => {
    upstream.behaviour = { kind: "status", status: 503 };
    const discoverer = await replica({ breakerFailures: 2, breakerCooldownMs: 5_000 });
    const other = await replica({ breakerFailures: 2, breakerCooldownMs: 5_000 });
    for (const text of lmTexts.slice(0, 3)) await ask(discoverer, text);
    expect(calls()).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const answers = [];
    for (const text of lmTexts.slice(3, 8)) answers.push(await ask(other, text));
    expect(answers.every((answer) => answer.reason === "circuit-open")).toBe(true);
    expect(calls()).toBe(2);
    const health = await (await fetch(`${other.serve.url}/healthz`)).text();
    expect(health).toContain('"lm_circuit":"open"');
  });
});
