import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createRunningShareBudget } from "../../src/adapter/lm-share-budget.js";
import type { DecisionRecord } from "../../src/serve/decision-log.js";
import { classifyBatch } from "../../src/serve/prediction/classify-inputs.js";
import { createServeMetrics } from "../../src/serve/serve-metrics.js";
import { startServeServer } from "../../src/serve/serve-server.js";
import type { Adapter } from "../../src/spec/adapter.js";
import { silentLogger } from "../../src/spec/logger.js";
import { createConcurrencyLimit } from "../../src/util/concurrency-limit.js";
import { createServeFixture } from "../fixtures/serve/serve-fixture.js";

describe("the latency of each input of a /v1/classify batch", () => {
  it("is its own decision plus its own LM call, not the time since the batch began", async () => {
    // A clock that only the adapter moves: each decision takes 1 ms, each LM call 1,000 ms.
    let now = 0;
    const adapter: Adapter = {
      task: { name: "task", labels: ["local", "remote"] },
      lmId: "fake",
      maxLmShare: undefined,
      decide: (text) => {
        now += 1;
        return { ssmLabel: "local", ssmConfidence: 0.6, useLm: text.startsWith("lm") };
      },
      predict: async () => {
        const callStart = now;
        await new Promise((resolve) => setTimeout(resolve, 1));
        // The call ends 1,000 ms after it began (the batch's later decisions ran meanwhile).
        now = Math.max(now, callStart + 1000);
        return { label: "remote", route: "lm", confidence: 0.9 };
      },
      predictBatch: async () => [],
    };
    const records: DecisionRecord[] = [];
    const metrics = createServeMetrics();
    const context = {
      adapter,
      // One call at a time: "lm b" waits for "lm a"'s call.
      lmLimit: createConcurrencyLimit(1),
      shareBudget: createRunningShareBudget(undefined),
      metrics,
      decisionLog: {
        append: (record: DecisionRecord | (() => DecisionRecord)) =>
          records.push(typeof record === "function" ? record() : record),
        flush: async () => {},
        reopen: async () => {},
        close: async () => {},
      },
      clock: { now: () => now },
      logger: silentLogger,
      maxLmCallsPerRequest: 64,
    };
    await classifyBatch(context, ["lm a", "lm b", "local"], "classify");
    // Recorded as answered: "local" at once, then "lm a" and "lm b" (which waited 999 ms for its slot).
    expect(records.map((record) => [record.label, record.latencyMs])).toEqual([
      ["local", 1],
      ["remote", 1001],
      ["remote", 1001],
    ]);
    const rendered = metrics.render();
    expect(rendered).toMatch(/^easy_adapt_prediction_duration_seconds_sum\{route="lm"\} 2\.002$/m);
    expect(rendered).toMatch(/^easy_adapt_prediction_duration_seconds_sum\{route="ssm"\} 0\.001$/m);
  });

  it("is small in the decision log for an SSM-answered input batched with a slow LM-routed one (real HTTP)", async () => {
    const directory = await mkdtemp(join(tmpdir(), "serve-input-timing-"));
    const logPath = join(directory, "decisions.jsonl");
    const fixture = await createServeFixture({ logPath });
    const server = await startServeServer({ fetch: fixture.app.fetch, port: 0, host: "127.0.0.1" });
    try {
      fixture.upstream.behaviour = { kind: "answer", content: fixture.lmAnswer, delayMs: 250 };
      const response = await fetch(`${server.url}/v1/classify`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ inputs: [fixture.lmText, fixture.ssmText] }),
      });
      expect(response.status).toBe(200);
      await fixture.decisionLog.flush();
      const records = (await readFile(logPath, "utf8"))
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as DecisionRecord);
      const ssm = records.find((record) => record.route === "ssm");
      const lm = records.find((record) => record.route === "lm");
      expect(lm?.latencyMs).toBeGreaterThanOrEqual(250);
      expect(ssm?.latencyMs).toBeLessThan(100);
    } finally {
      await server.close({ drainTimeoutMs: 1000 });
      await fixture.close();
      await rm(directory, { recursive: true, force: true });
    }
  });
});
