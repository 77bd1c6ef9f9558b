import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { loadAdapter } from "../../src/adapter/load-adapter.js";
import { type ScriptedUpstream, startScriptedUpstream } from "../fixtures/serve/scripted-upstream.js";
import { chatBody } from "../fixtures/serve/serve-fixture.js";
import { startServeProcess } from "../fixtures/serve/serve-process.js";
import { readTicketRows, ticketLabels, ticketsAdapterFolder } from "../fixtures/serve/tickets-adapter.js";
import { redisMissing, startTestRedis, type TestRedis } from "../support/redis-server.js";
import { runCli } from "../support/run-cli.js";

const routeSchema = z.object({ easy_adapt: z.object({ route: z.string() }) });

describe.skipIf(redisMissing !== undefined)("probe --redis, then serve --redis (CLI)", () => {
  let redis: TestRedis;
  let upstream: ScriptedUpstream;
  let directory: string;

  beforeAll(async () => {
    redis = await startTestRedis();
    upstream = await startScriptedUpstream();
    upstream.behaviour = { kind: "answer", content: "refund_request" };
    directory = await mkdtemp(join(tmpdir(), "redis-cli-"));
  });
  afterAll(async () => {
    await upstream?.close();
    await redis?.stop();
    await rm(directory, { recursive: true, force: true });
  });

  it("serve makes zero upstream calls for the texts probe paid for, and says nothing about Redis while it is up", async () => {
    const adapter = await loadAdapter(await ticketsAdapterFolder());
    const texts = readTicketRows("test.csv")
      .map((row) => row.text)
      .filter((text) => adapter.decide(text).useLm)
      .slice(0, 5);
    await writeFile(join(directory, "task.json"), JSON.stringify({ name: "tickets", labels: ticketLabels }));
    await writeFile(
      join(directory, "rows.csv"),
      `text\n${texts.map((text) => `"${text.replaceAll('"', '""')}"`).join("\n")}\n`,
    );
    const lmFlags = ["--lm-base-url", upstream.baseUrl, "--lm-model", "scripted", "--redis", redis.url];
    const probe = await runCli(
      [
        "probe",
        "--task",
        "task.json",
        "--data",
        "rows.csv",
        "--out",
        "answers.csv",
        "--no-cache",
        "--redis-cache-ttl-s",
        "3600",
        ...lmFlags,
      ],
      { cwd: directory },
    );
    expect(probe.status, probe.stderr).toBe(0);
    expect(upstream.calls).toBe(texts.length);
    const admin = new Redis(redis.url, { maxRetriesPerRequest: 0 });
    try {
      const keys = await admin.keys("easy-adapt:answer:openai-compatible:scripted:*");
      expect(keys).toHaveLength(texts.length);
      const ttl = await admin.pttl(keys[0]!);
      expect(ttl).toBeGreaterThan(3_000_000);
      expect(ttl).toBeLessThanOrEqual(3_600_000);
    } finally {
      admin.disconnect();
    }
    const serve = await startServeProcess(["--adapter", await ticketsAdapterFolder(), ...lmFlags]);
    try {
      for (const text of texts) {
        const response = await fetch(`${serve.url}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: chatBody("tickets", text),
        });
        expect(response.status).toBe(200);
        expect(routeSchema.parse(await response.json()).easy_adapt.route).not.toBe("ssm");
      }
      expect(upstream.calls).toBe(texts.length);
      const metrics = await (await fetch(`${serve.url}/metrics`)).text();
      expect(metrics).toMatch(/^easy_adapt_redis_up 1$/m);
      expect(serve.stderr()).not.toContain("REDIS");
    } finally {
      await serve.stop();
    }
  }, 60_000);

  it("refuses a --redis value that is not a redis:// URL", async () => {
    const result = await runCli([
      "probe",
      "--task",
      "t.json",
      "--data",
      "r.csv",
      "--lm-model",
      "m",
      "--redis",
      "localhost:6379",
    ]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("--redis must be a redis:// or rediss:// URL");
  });
});
