import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadAdapter } from "../../src/adapter/load-adapter.js";
import { type FleetReplica, startFleetReplica } from "../fixtures/serve/fleet-replica.js";
import { type ScriptedUpstream, startScriptedUpstream } from "../fixtures/serve/scripted-upstream.js";
import { chatBody } from "../fixtures/serve/serve-fixture.js";
import { readTicketRows, ticketsAdapterFolder } from "../fixtures/serve/tickets-adapter.js";
import { redisMissing, startTestRedis, type TestRedis } from "../support/redis-server.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The value of the `easy_adapt_redis_up` gauge in `replica`'s /metrics. */
async function redisUpGauge(replica: FleetReplica): Promise<string | undefined> {
  const metrics = await (await fetch(`${replica.serve.url}/metrics`)).text();
  return /^easy_adapt_redis_up (\d)$/m.exec(metrics)?.[1];
}

/** Waits until `condition` holds, for at most `ms`. */
async function waitFor(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await sleep(20);
}

describe.skipIf(redisMissing !== undefined)(
  "serve replicas when Redis dies under load and comes back",
  () => {
    let redis: TestRedis;
    let upstream: ScriptedUpstream;
    let fleet: FleetReplica[];
    let texts: string[];

    beforeAll(async () => {
      redis = await startTestRedis();
      upstream = await startScriptedUpstream();
      upstream.behaviour = { kind: "answer", content: "refund_request", delayMs: 5 };
      texts = readTicketRows("test.csv").map((row) => row.text);
      await loadAdapter(await ticketsAdapterFolder());
      const options = { redisUrl: redis.url, upstreamUrl: upstream.baseUrl, maxLmShare: 0.3 };
      fleet = [await startFleetReplica(options), await startFleetReplica(options)];
    }, 120_000);

    afterAll(async () => {
      for (const replica of fleet ?? []) await replica.close();
      await upstream?.close();
      await redis?.stop();
    });

    it("answers every request (local state meanwhile), says so once on each side, and shows it in /metrics", async () => {
      const statuses: number[] = [];
      let running = true;
      let sent = 0;
      const client = async () => {
        while (running) {
          const index = sent++;
          const replica = fleet[index % fleet.length]!;
          const response = await fetch(`${replica.serve.url}/v1/chat/completions`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: chatBody("tickets", `${texts[index % texts.length]} (#${index})`),
          });
          await response.arrayBuffer();
          statuses.push(response.status);
        }
      };
      const load = Promise.all(Array.from({ length: 6 }, client));
      await sleep(400);
      expect(await redisUpGauge(fleet[0]!)).toBe("1");
      await redis.kill();
      const killedAt = statuses.length;
      await waitFor(() => fleet.every((replica) => replica.lines.length >= 1), 3_000);
      await sleep(600);
      expect(statuses.length).toBeGreaterThan(killedAt);
      expect(await redisUpGauge(fleet[0]!)).toBe("0");
      await redis.restart();
      await waitFor(() => fleet.every((replica) => replica.redis.up), 5_000);
      const restartedAt = statuses.length;
      await sleep(400);
      running = false;
      await load;
      expect(statuses.length).toBeGreaterThan(restartedAt);
      expect(statuses.filter((status) => status !== 200)).toEqual([]);
      for (const replica of fleet) {
        expect(replica.lines).toHaveLength(2);
        expect(replica.lines[0]).toMatch(/^easy-adapt: REDIS UNREACHABLE at redis:\/\/127\.0\.0\.1:\d+/);
        expect(replica.lines[1]).toMatch(/^easy-adapt: REDIS BACK at redis:\/\/127\.0\.0\.1:\d+/);
        expect(await redisUpGauge(replica)).toBe("1");
      }
    }, 30_000);

    it("answers SSM-routed inputs without waiting for Redis: with Redis frozen, at once", async () => {
      const adapter = await loadAdapter(await ticketsAdapterFolder());
      const ssmTexts = texts.filter((text) => !adapter.decide(text).useLm).slice(0, 20);
      redis.pause();
      try {
        for (const text of ssmTexts) {
          const startedAt = performance.now();
          const response = await fetch(`${fleet[1]!.serve.url}/v1/chat/completions`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: chatBody("tickets", text),
          });
          expect(((await response.json()) as { easy_adapt: { route: string } }).easy_adapt.route).toBe("ssm");
          // Far below the 500 ms a Redis command may wait: the SSM route sends none.
          expect(performance.now() - startedAt).toBeLessThan(250);
        }
      } finally {
        redis.resume();
      }
    });
  },
);
