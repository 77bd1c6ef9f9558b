import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createOpenAICompatibleModel } from "../../src/large-models/openai-compatible-model.js";
import { type ServeHandle, startServe } from "../../src/serve/start-serve.js";
import type { Adapter } from "../../src/spec/adapter.js";
import { ServeStartError } from "../../src/spec/errors/serve-start-error.js";
import { type ScriptedUpstream, startScriptedUpstream } from "../fixtures/serve/scripted-upstream.js";
import {
  loadTwoAdapters,
  type RoutedTexts,
  routedTexts,
  twoAdapterFolders,
} from "../fixtures/serve/two-adapters.js";

const errorSchema = z.object({
  error: z.object({ message: z.string(), type: z.string(), param: z.null(), code: z.string() }),
});

function post(server: ServeHandle, path: string, body: unknown): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

function chat(model: string, text: string) {
  return { model, messages: [{ role: "user", content: text }] };
}

describe("many adapters in one server (startServe, over HTTP)", () => {
  let ticketsUpstream: ScriptedUpstream;
  let topicsUpstream: ScriptedUpstream;
  let adapters: { tickets: Adapter; topics: Adapter };
  let texts: { tickets: RoutedTexts & { routedLabel: string }; topics: RoutedTexts };
  let server: ServeHandle;
  let directory: string;
  let logPath: string;

  beforeAll(async () => {
    ticketsUpstream = await startScriptedUpstream();
    topicsUpstream = await startScriptedUpstream();
    const lm = (upstream: ScriptedUpstream) =>
      createOpenAICompatibleModel({ baseUrl: upstream.baseUrl, model: "scripted", timeoutMs: 2000 });
    adapters = await loadTwoAdapters(await twoAdapterFolders(), {
      tickets: lm(ticketsUpstream),
      topics: lm(topicsUpstream),
    });
    texts = await routedTexts(adapters);
    // The tickets LLM answers the right label (route "lm"); the topics LLM fails (route "fallback").
    ticketsUpstream.behaviour = { kind: "answer", content: texts.tickets.routedLabel };
    topicsUpstream.behaviour = { kind: "status", status: 500 };
    directory = await mkdtemp(join(tmpdir(), "serve-many-"));
    logPath = join(directory, "decisions.jsonl");
    server = await startServe({
      adapters: [{ adapter: adapters.tickets }, { name: "news", adapter: adapters.topics }],
      logPath,
    });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await ticketsUpstream?.close();
    await topicsUpstream?.close();
    await rm(directory, { recursive: true, force: true });
  });

  it("routes each request to the adapter its model names, which calls its own LLM; metrics and the decision log name the adapter", async () => {
    const ticketsAnswer = await post(server, "/v1/chat/completions", chat("tickets", texts.tickets.routed));
    expect(ticketsAnswer.status).toBe(200);
    expect(ticketsAnswer.headers.get("x-easy-adapt-route")).toBe("lm");
    expect(await ticketsAnswer.json()).toMatchObject({ model: "tickets" });
    expect([ticketsUpstream.calls, topicsUpstream.calls]).toEqual([1, 0]);

    const newsBatch = await post(server, "/v1/classify", {
      model: "news",
      inputs: [texts.topics.routed, texts.topics.local],
    });
    expect(newsBatch.status).toBe(200);
    const batch = z
      .object({ results: z.array(z.object({ label: z.string(), route: z.string() })) })
      .parse(await newsBatch.json());
    expect(batch.results.map((result) => result.route)).toEqual(["fallback", "ssm"]);
    for (const result of batch.results) expect(adapters.topics.task.labels).toContain(result.label);
    expect([ticketsUpstream.calls, topicsUpstream.calls]).toEqual([1, 1]);

    const newsChat = await post(server, "/v1/chat/completions", chat("news", texts.topics.local));
    expect(await newsChat.json()).toMatchObject({ model: "news", easy_adapt: { route: "ssm" } });
    const ticketsLocal = await post(server, "/v1/classify", {
      model: "tickets",
      inputs: [texts.tickets.local],
    });
    expect(await ticketsLocal.json()).toMatchObject({ results: [{ route: "ssm" }] });

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^easy_adapt_predictions_total\{adapter="tickets",route="lm"\} 1$/m);
    expect(metrics).toMatch(/^easy_adapt_predictions_total\{adapter="tickets",route="ssm"\} 1$/m);
    expect(metrics).toMatch(/^easy_adapt_predictions_total\{adapter="news",route="ssm"\} 2$/m);
    expect(metrics).toMatch(/^easy_adapt_predictions_total\{adapter="news",route="fallback"\} 1$/m);
    expect(metrics).toMatch(/^easy_adapt_fallbacks_total\{adapter="news",reason="lm-error"\} 1$/m);
    expect(metrics).toMatch(/^easy_adapt_fallbacks_total\{adapter="tickets",reason="lm-error"\} 0$/m);
    expect(metrics).toMatch(
      /^easy_adapt_prediction_duration_seconds_count\{adapter="news",route="ssm"\} 2$/m,
    );
    expect(metrics).toMatch(/^easy_adapt_lm_share_cap_declines_total\{adapter="news"\} 0$/m);
    // Every answer series names its adapter.
    expect(metrics).not.toMatch(/^easy_adapt_predictions_total\{route=/m);

    await server.decisionLog.flush();
    const lines = (await readFile(logPath, "utf8"))
      .trim()
      .split("\n")
      .map((line) => z.object({ adapter: z.string(), route: z.string() }).parse(JSON.parse(line)));
    expect(lines.map((line) => `${line.adapter}:${line.route}`).sort()).toEqual([
      "news:fallback",
      "news:ssm",
      "news:ssm",
      "tickets:lm",
      "tickets:ssm",
    ]);
  });

  it("lists the adapters in /v1/models and /healthz, and answers a wrong model with a 404 naming them", async () => {
    const models = await (await fetch(`${server.url}/v1/models`)).json();
    expect(models).toEqual({
      object: "list",
      data: [
        { id: "tickets", object: "model", created: 0, owned_by: "easy-adapt" },
        { id: "news", object: "model", created: 0, owned_by: "easy-adapt" },
      ],
    });
    expect(await (await fetch(`${server.url}/v1/models/news`)).json()).toMatchObject({ id: "news" });
    // With several adapters, an adapter is known by its name only: "news", not its task name.
    expect((await fetch(`${server.url}/v1/models/topics`)).status).toBe(404);

    const wrong = await post(server, "/v1/chat/completions", chat("gpt-4o-mini", texts.tickets.local));
    expect(wrong.status).toBe(404);
    const wrongBody = errorSchema.parse(await wrong.json());
    expect(wrongBody.error).toMatchObject({ type: "invalid_request_error", code: "model_not_found" });
    expect(wrongBody.error.message).toBe(
      "The model `gpt-4o-mini` does not exist; this server serves `tickets`, `news`.",
    );
    const unnamed = await post(server, "/v1/classify", { inputs: [texts.tickets.local] });
    expect(unnamed.status).toBe(400);
    expect(errorSchema.parse(await unnamed.json()).error).toMatchObject({
      code: "model_required",
      message: "The request names no `model`; this server serves several: `tickets`, `news`.",
    });

    const health = await (await fetch(`${server.url}/healthz`)).json();
    expect(health).toEqual({
      status: "ok",
      models: [
        { model: "tickets", lm: adapters.tickets.lmId, adapter_id: adapters.tickets.id },
        { model: "news", lm: "openai-compatible:replay-topics", adapter_id: adapters.topics.id },
      ],
    });
  });
});

describe("one adapter served under a name of its own; budgets and names checked per adapter", () => {
  it("answers to its name and its task name; its metrics carry no adapter label, its log lines name it", async () => {
    const folders = await twoAdapterFolders();
    const { tickets } = await loadTwoAdapters(folders);
    const texts = await routedTexts(await loadTwoAdapters(folders));
    const directory = await mkdtemp(join(tmpdir(), "serve-named-"));
    const logPath = join(directory, "decisions.jsonl");
    const server = await startServe({ adapters: [{ name: "support", adapter: tickets }], logPath });
    try {
      expect(await (await fetch(`${server.url}/v1/models`)).json()).toMatchObject({
        data: [{ id: "support" }],
      });
      for (const model of ["support", "tickets"]) {
        const answer = await post(server, "/v1/chat/completions", chat(model, texts.tickets.local));
        expect(await answer.json()).toMatchObject({ model: "support" });
      }
      const wrong = await post(server, "/v1/classify", { model: "other", inputs: [texts.tickets.local] });
      expect(errorSchema.parse(await wrong.json()).error.message).toBe(
        "The model `other` does not exist; this server serves `support`.",
      );
      expect(await (await fetch(`${server.url}/healthz`)).json()).toMatchObject({
        status: "ok",
        model: "support",
        models: [{ model: "support" }],
      });
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toMatch(/^easy_adapt_predictions_total\{route="ssm"\} 2$/m);
      await server.decisionLog.flush();
      const lines = (await readFile(logPath, "utf8")).trim().split("\n");
      expect(lines.map((line) => JSON.parse(line) as unknown)).toMatchObject([
        { adapter: "support" },
        { adapter: "support" },
      ]);
    } finally {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    }
  });

  it("holds each adapter's --max-lm-share budget over its own inputs", async () => {
    const upstream = await startScriptedUpstream();
    const lm = createOpenAICompatibleModel({ baseUrl: upstream.baseUrl, model: "scripted", timeoutMs: 2000 });
    const { tickets, topics } = await loadTwoAdapters(await twoAdapterFolders(), { tickets: lm, topics: lm });
    const texts = await routedTexts({ tickets, topics });
    // The tickets adapter with a cap of 0.
    const capped: Adapter = {
      task: tickets.task,
      lmId: tickets.lmId,
      maxLmShare: 0,
      decide: (text) => tickets.decide(text),
      predict: (text, options) => tickets.predict(text, options),
      predictBatch: (batch, options) => tickets.predictBatch(batch, options),
    };
    const server = await startServe({ adapters: [{ adapter: capped }, { adapter: topics }] });
    try {
      // A budget lets its first input spend one call at once; the cap of 0 keeps the second from the LM.
      const ticketsBatch = await post(server, "/v1/classify", {
        model: "tickets",
        inputs: [texts.tickets.routed, texts.tickets.routed],
      });
      expect(ticketsBatch.headers.get("x-easy-adapt-route")).toContain("ssm");
      expect(upstream.calls).toBe(1);
      // The topics adapter, uncapped, still sends every LM-routed input to the LM.
      await post(server, "/v1/classify", {
        model: "topics",
        inputs: [texts.topics.routed, texts.topics.routed],
      });
      expect(upstream.calls).toBe(3);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toMatch(/^easy_adapt_lm_share_cap_declines_total\{adapter="tickets"\} 1$/m);
      expect(metrics).toMatch(/^easy_adapt_lm_share_cap_declines_total\{adapter="topics"\} 0$/m);
    } finally {
      await server.close();
      await upstream.close();
    }
  });

  it("refuses two adapters with one name, before listening", async () => {
    const { tickets, topics } = await loadTwoAdapters(await twoAdapterFolders());
    const twice = startServe({ adapters: [{ adapter: tickets }, { name: "tickets", adapter: topics }] });
    await expect(twice).rejects.toThrow(ServeStartError);
    await expect(twice).rejects.toThrow('two adapters would be served as the model "tickets"');
    await expect(startServe({ adapters: [{ name: "a b", adapter: tickets }] })).rejects.toThrow(
      '"a b" cannot be a model name',
    );
  });
});
