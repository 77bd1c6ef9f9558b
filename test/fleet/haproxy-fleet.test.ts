import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { writeCappedAdapter } from "../../bench/fleet/capped-adapter.js";
import { type CountingReplay, startCountingReplay } from "../../bench/fleet/counting-replay.js";
import { counterValue, type Fleet, startFleet } from "../../bench/fleet/fleet.js";
import { failedCount, startFleetLoad } from "../../bench/fleet/fleet-traffic.js";
import { haproxyMissing } from "../../bench/fleet/haproxy.js";
import { loadAdapter } from "../../src/adapter/load-adapter.js";
import type { Adapter } from "../../src/spec/adapter.js";
import { chatBody } from "../fixtures/serve/serve-fixture.js";
import { readTicketRows, ticketsAdapterFolder } from "../fixtures/serve/tickets-adapter.js";
import { redisMissing, startTestRedis, type TestRedis } from "../support/redis-server.js";
import { tsxLoaderUrl } from "../support/run-cli.js";

const cli = {
  main: fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url)),
  nodeArguments: ["--import", tsxLoaderUrl],
};
const share = 0.1;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const missing = haproxyMissing ?? redisMissing;
if (haproxyMissing !== undefined) process.stderr.write(`${haproxyMissing}\n`);

/** Waits until `condition` holds, for at most `ms` (then fails with `what`). */
async function waitFor(condition: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe.skipIf(missing !== undefined)("three serve replicas behind HAProxy, one redis-server", () => {
  let redis: TestRedis;
  let admin: Redis;
  let replay: CountingReplay;
  let fleet: Fleet;
  let directory: string;
  let texts: string[];
  let lmTexts: string[];
  let ssmTexts: string[];
  let unique = 0;
  let routing: Adapter;
  /** A text never sent before (no cache hit anywhere) that the router sends to the LLM or keeps local. */
  const fresh = (pool: readonly string[]): string => {
    for (;;) {
      const text = `${pool[unique % pool.length]} (#${unique++})`;
      if (pool === texts || routing.decide(text).useLm === (pool === lmTexts)) return text;
    }
  };
  const replicaUrl = (index: number) => `http://127.0.0.1:${fleet.replicas.ports[index]}`;
  const ask = async (url: string, text: string) => {
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: chatBody("tickets", text),
    });
    await response.arrayBuffer();
    return response.status;
  };
  const metrics = async (index: number) => (await fetch(`${replicaUrl(index)}/metrics`)).text();

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "fleet-test-"));
    const source = await ticketsAdapterFolder();
    const adapterDir = join(directory, "tickets-capped");
    await writeCappedAdapter(source, adapterDir, { share });
    const rows = (["train.csv", "dev.csv", "test.csv"] as const).flatMap((file) => readTicketRows(file));
    texts = rows.map((row) => row.text);
    routing = await loadAdapter(source);
    lmTexts = texts.filter((text) => routing.decide(text).useLm);
    ssmTexts = texts.filter((text) => !routing.decide(text).useLm);
    redis = await startTestRedis();
    admin = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    // Refused connections while the Redis test has it down are expected.
    admin.on("error", () => {});
    replay = await startCountingReplay(
      rows.map((row) => ({ text: row.text, answer: row.llm })),
      5,
    );
    fleet = await startFleet(
      cli,
      { adapterDir, lmBaseUrl: replay.url, lmModel: "gpt4", redisUrl: redis.url },
      3,
    );
  }, 60_000);

  beforeEach(async () => {
    if (admin.status !== "ready") await admin.connect().catch(() => {});
    await admin.flushall();
  });

  afterAll(async () => {
    admin?.disconnect();
    await fleet?.close();
    await replay?.close();
    await redis?.stop();
    await rm(directory, { recursive: true, force: true });
  });

  it("shares the answer cache: a text the LLM answered through one replica costs the others zero upstream calls", async () => {
    // Credit in the shared budget first (80 inputs kept local earn 8 calls), so that no replica's
    // share cap is what spares the upstream.
    for (let index = 0; index < 80; index += 1) expect(await ask(fleet.url, fresh(ssmTexts))).toBe(200);
    await sleep(300);
    const text = fresh(lmTexts);
    const declines = async (index: number) =>
      counterValue(await metrics(index), "easy_adapt_lm_share_cap_declines_total");
    const declinedBefore = [await declines(1), await declines(2)];
    const before = replay.calls();
    expect(await ask(replicaUrl(0), text)).toBe(200);
    expect(replay.calls()).toBe(before + 1);
    for (const index of [1, 2]) expect(await ask(replicaUrl(index), text)).toBe(200);
    for (let round = 0; round < 3; round += 1) expect(await ask(fleet.url, text)).toBe(200);
    expect(replay.calls()).toBe(before + 1);
    expect([await declines(1), await declines(2)]).toEqual(declinedBefore);
  });

  it("holds --max-lm-share 0.10 over the fleet: 1,500 inputs through HAProxy, at most ⌈0.1 × 1500⌉ + 3 LLM calls", async () => {
    // 3,000 in bench:fleet (the figure); half here, for the suite's time.
    const inputs = Array.from({ length: 1500 }, (_, index) => fresh(index % 10 < 3 ? lmTexts : ssmTexts));
    const before = replay.calls();
    const outcomes = await startFleetLoad(fleet.url, "tickets", (index) => inputs[index], 24).done;
    expect(outcomes).toHaveLength(inputs.length);
    expect(failedCount(outcomes)).toBe(0);
    const calls = replay.calls() - before;
    expect(calls).toBeLessThanOrEqual(Math.ceil(share * inputs.length) + 3);
    // The fleet's share, not each replica's alone, nor a share far below it.
    expect(calls).toBeGreaterThanOrEqual(Math.floor(share * inputs.length) - 10);
    // HAProxy spread them round-robin.
    for (const index of [0, 1, 2])
      expect(
        counterValue(await metrics(index), "easy_adapt_http_requests_total", 'status="200"'),
      ).toBeGreaterThan(450);
  }, 30_000);

  it("a replica killed under load (SIGKILL) and restarted: HAProxy takes it out and back, zero failed requests", async () => {
    const load = startFleetLoad(fleet.url, "tickets", () => fresh(texts), 16);
    await sleep(500);
    await fleet.replicas.kill(0);
    const killedAt = load.finished();
    await waitFor(
      async () => (await fleet.haproxy.serverStates()).r1 === "DOWN",
      5_000,
      "HAProxy to mark r1 DOWN",
    );
    await sleep(300);
    expect(load.finished()).toBeGreaterThan(killedAt);
    await fleet.replicas.restart(0);
    await fleet.haproxy.waitAllUp(5_000);
    const restartedAt = load.finished();
    await sleep(500);
    const outcomes = await load.stop();
    expect(outcomes.length).toBeGreaterThan(restartedAt);
    expect(failedCount(outcomes)).toBe(0);
    // The restarted replica is in the rotation again.
    expect(counterValue(await metrics(0), "easy_adapt_http_requests_total", 'status="200"')).toBeGreaterThan(
      0,
    );
  }, 30_000);

  it("Redis killed under load and restarted: zero failed requests, and the cap's overshoot meanwhile", async () => {
    const before = replay.calls();
    const load = startFleetLoad(fleet.url, "tickets", () => fresh(unique % 10 < 3 ? lmTexts : ssmTexts), 16);
    await sleep(400);
    await redis.kill();
    const down = () =>
      fleet.replicas.ports.every((_, index) =>
        /REDIS UNREACHABLE/.test(fleet.replicas.replica(index).stderr()),
      );
    await waitFor(down, 5_000, "every replica to notice Redis is gone");
    await sleep(1_500);
    await redis.restart();
    const back = () =>
      fleet.replicas.ports.every((_, index) => /REDIS BACK/.test(fleet.replicas.replica(index).stderr()));
    await waitFor(back, 5_000, "every replica to return to Redis");
    await sleep(300);
    const outcomes = await load.stop();
    expect(failedCount(outcomes)).toBe(0);
    const calls = replay.calls() - before;
    const capped = Math.ceil(share * outcomes.length);
    process.stderr.write(
      `fleet test: Redis down ~1.5 s under load: ${outcomes.length} inputs, ${calls} LLM calls, cap ${capped}: overshoot ${calls - capped}\n`,
    );
    // Each replica holds the cap alone meanwhile (one call each at its start), and Redis comes back
    // empty (one more each): a few calls, not the router's 30%.
    expect(calls).toBeLessThanOrEqual(capped + 2 * 3 + 1);
    for (const index of [0, 1, 2]) expect(/^easy_adapt_redis_up 1$/m.test(await metrics(index))).toBe(true);
  }, 30_000);
});
