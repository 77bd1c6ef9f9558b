import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createDecisionLog, type DecisionRecord } from "../../src/serve/decision-log.js";
import { createServeApp } from "../../src/serve/serve-app.js";
import { systemClock } from "../../src/serve/serve-clock.js";
import { createServeMetrics } from "../../src/serve/serve-metrics.js";
import { startServe } from "../../src/serve/start-serve.js";
import type { Adapter } from "../../src/spec/adapter.js";
import type { LargeModel } from "../../src/spec/large-model.js";
import { silentLogger } from "../../src/spec/logger.js";
import { chatBody } from "../fixtures/serve/serve-fixture.js";
import {
  loadTicketsAdapter,
  readTicketRows,
  ticketsAdapterFolder,
} from "../fixtures/serve/tickets-adapter.js";

/** An LM that always answers the first label (the route does not matter here, only the order of calls). */
const firstLabelModel = (label: string): LargeModel => ({
  id: "first-label",
  complete: async () => ({ text: label, usage: { promptTokens: 1, completionTokens: 1 }, cached: false }),
});

describe("serve with an adapter that must prepare its texts (a sentence encoder)", () => {
  it("prepares all the texts of a request at once, before deciding any of them", async () => {
    const rows = readTicketRows("test.csv").slice(0, 3);
    const base = await loadTicketsAdapter(await ticketsAdapterFolder(), firstLabelModel(""));
    const prepared = new Set<string>();
    const preparations: string[][] = [];
    const adapter: Adapter = {
      task: base.task,
      lmId: base.lmId,
      async prepare(texts) {
        preparations.push([...texts]);
        await new Promise((resolve) => setTimeout(resolve, 5));
        for (const text of texts) prepared.add(text);
      },
      decide(text) {
        if (!prepared.has(text)) throw new Error(`decide() before prepare() of ${JSON.stringify(text)}`);
        return base.decide(text);
      },
      predict: (text, options) => base.predict(text, options),
      maxLmShare: base.maxLmShare,
      predictBatch: (texts, options) => base.predictBatch(texts, options),
    };
    const app = createServeApp({
      adapter,
      decisionLog: { append() {}, flush: async () => {}, reopen: async () => {}, close: async () => {} },
      metrics: createServeMetrics(),
      maxConcurrentLmCalls: 2,
      clock: systemClock,
    });

    const inputs = rows.map((row) => row.text);
    const batch = await app.request("/v1/classify", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ inputs }),
    });
    expect(batch.status).toBe(200);
    const results = z.object({ results: z.array(z.object({ label: z.string() })) }).parse(await batch.json());
    expect(results.results).toHaveLength(3);
    expect(preparations).toEqual([inputs]);

    const text = "a text never seen before";
    const chat = await app.request("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: chatBody(base.task.name, text),
    });
    expect(chat.status).toBe(200);
    expect(preparations).toEqual([inputs, [text]]);
  });
});

describe("the decision log", () => {
  it("writes records given as functions, built when the buffer is written, in order with plain ones", async () => {
    const directory = await mkdtemp(join(tmpdir(), "serve-prepare-log-"));
    try {
      const path = join(directory, "log.jsonl");
      const log = createDecisionLog({ path, logger: silentLogger, flushIntervalMs: 10_000 });
      const record = (label: string): DecisionRecord => ({
        time: "2026-01-01T00:00:00.000Z",
        endpoint: "classify",
        inputSha256: "00",
        route: "ssm",
        label,
        confidence: 0.5,
        ssmLabel: label,
        ssmConfidence: 0.5,
        latencyMs: 1,
      });
      let built = 0;
      log.append(record("first"));
      log.append(() => {
        built += 1;
        return record("second");
      });
      expect(built).toBe(0);
      await log.close();
      expect(built).toBe(1);
      const labels = (await readFile(path, "utf8"))
        .trim()
        .split("\n")
        .map((line) => z.object({ label: z.string() }).parse(JSON.parse(line)).label);
      expect(labels).toEqual(["first", "second"]);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe("serve when the client leaves while its texts are prepared", () => {
  it("counts the request as a 499 (client closed request), not a failed 500", async () => {
    const base = await loadTicketsAdapter(await ticketsAdapterFolder(), firstLabelModel(""));
    let preparing = false;
    const adapter: Adapter = {
      task: base.task,
      lmId: base.lmId,
      // A slow encoder that stops when the request's signal fires, as the sentence encoders do.
      prepare: (_texts, options) =>
        new Promise((_resolve, reject) => {
          preparing = true;
          options?.signal?.addEventListener("abort", () => reject(options.signal?.reason), { once: true });
        }),
      decide: (text) => base.decide(text),
      predict: (text, options) => base.predict(text, options),
      maxLmShare: base.maxLmShare,
      predictBatch: (texts, options) => base.predictBatch(texts, options),
    };
    const warnings: string[] = [];
    const serve = await startServe({
      adapter,
      logger: { info() {}, warn: (event) => warnings.push(event) },
    });
    // The warm-up before listening prepared its own texts (and gave up within its budget).
    preparing = false;
    try {
      const controller = new AbortController();
      const pending = fetch(`${serve.url}/v1/classify`, {
        method: "POST",
        body: JSON.stringify({ inputs: [readTicketRows("test.csv")[0]!.text] }),
        signal: controller.signal,
      }).catch((error: unknown) => error);
      while (!preparing) await new Promise((resolve) => setTimeout(resolve, 5));
      controller.abort();
      expect(await pending).toBeInstanceOf(Error);
      const counted = /^easy_adapt_http_requests_total\{endpoint="classify",status="499"\} 1$/m;
      for (let wait = 0; wait < 200 && !counted.test(serve.metrics.render()); wait += 1) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(serve.metrics.render()).toMatch(counted);
      expect(warnings).not.toContain("request-failed");
    } finally {
      await serve.close();
    }
  });
});
