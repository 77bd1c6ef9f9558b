import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createOpenAICompatibleModel } from "../../src/large-models/openai-compatible-model.js";
import { type ServeHandle, startServe } from "../../src/serve/start-serve.js";
import type { Adapter } from "../../src/spec/adapter.js";
import { type ScriptedUpstream, startScriptedUpstream } from "../fixtures/serve/scripted-upstream.js";
import { chatBody } from "../fixtures/serve/serve-fixture.js";
import {
  loadTicketsAdapter,
  readTicketRows,
  ticketsAdapterFolder,
} from "../fixtures/serve/tickets-adapter.js";

const errorSchema = z.object({
  error: z.object({ message: z.string(), type: z.string(), code: z.string() }),
});
const classifySchema = z.object({
  results: z.array(z.object({ label: z.string(), route: z.enum(["ssm", "lm", "fallback"]) })),
});
const recordSchema = z.object({
  route: z.string(),
  fallbackReason: z.string().optional(),
  cutOff: z.string().optional(),
});

/** The serve limits on what one request may cost, over real HTTP with a call-counting upstream on loopback. */
describe("serve bounds the cost of a request", () => {
  let upstream: ScriptedUpstream;
  let adapter: Adapter;
  let serve: ServeHandle;
  let directory: string;
  let lmTexts: string[];

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "serve-bounds-"));
    upstream = await startScriptedUpstream();
    adapter = await loadTicketsAdapter(
      await ticketsAdapterFolder(),
      createOpenAICompatibleModel({ baseUrl: upstream.baseUrl, model: "scripted", timeoutMs: 10_000 }),
    );
    lmTexts = distinctLmRoutedTexts(adapter, 4096);
    serve = await startServe({ adapter, logPath: join(directory, "decisions.jsonl") });
  });
  afterAll(async () => {
    await serve?.close({ drainTimeoutMs: 100 });
    await upstream?.close();
    await rm(directory, { recursive: true, force: true });
  });

  it("makes at most --max-lm-calls-per-request (64) upstream calls for 4,096 distinct LM-routed inputs", async () => {
    upstream.behaviour = { kind: "answer", content: adapter.task.labels[0]! };
    const before = upstream.calls;
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    const response = await post(serve, "/v1/classify", JSON.stringify({ inputs: lmTexts }));
    process.off("warning", onWarning);
    // The request's 64 LM calls (waiting or in flight) listen to its one signal: no false leak warning.
    expect(warnings).not.toContain("MaxListenersExceededWarning");
    expect(response.status).toBe(200);
    const results = classifySchema.parse(await response.json()).results;
    expect(results).toHaveLength(4096);
    expect(upstream.calls - before).toBe(64);
    expect(results.filter((result) => result.route === "fallback")).toHaveLength(4096 - 64);
    const metrics = serve.metrics.render();
    expect(metrics).toMatch(/^easy_adapt_lm_request_cap_declines_total 4032$/m);
    expect(metrics).toMatch(/^easy_adapt_lm_calls_total 64$/m);
    await serve.decisionLog.flush();
    const records = await readRecords(directory);
    expect(records.filter((record) => record.fallbackReason === "request-cap")).toHaveLength(4032);
  });

  it("refuses, before any LM call, an input over --max-input-chars (20,000), naming the limit and the input", async () => {
    const before = upstream.calls;
    const long = lmTexts[0]!.padEnd(20_001, " x");
    const chat = await post(serve, "/v1/chat/completions", chatBody("tickets", long));
    expect(chat.status).toBe(400);
    const chatError = errorSchema.parse(await chat.json()).error;
    expect(chatError).toMatchObject({ type: "invalid_request_error", code: "input_too_long" });
    expect(chatError.message).toBe(
      "messages[1].content: the input is 20001 characters long; this server accepts at most 20000 characters per input (--max-input-chars).",
    );
    const batch = await post(
      serve,
      "/v1/classify",
      JSON.stringify({ inputs: [lmTexts[0], long, lmTexts[1], long, long] }),
    );
    expect(batch.status).toBe(400);
    const batchError = errorSchema.parse(await batch.json()).error;
    expect(batchError.code).toBe("input_too_long");
    expect(batchError.message).toMatch(/^inputs\[1\]: the input is 20001 characters long; .*at most 20000/);
    expect(batchError.message).toMatch(/\(And 2 more inputs over the limit\.\)$/);
    expect(upstream.calls).toBe(before);
  });

  it("counts characters, not UTF-16 units: 20,000 emoji are within the limit", async () => {
    upstream.behaviour = { kind: "answer", content: adapter.task.labels[0]! };
    const emoji = "🎫".repeat(20_000);
    expect(emoji.length).toBe(40_000);
    const response = await post(serve, "/v1/classify", JSON.stringify({ inputs: [emoji] }));
    expect(response.status).toBe(200);
  });

  it("refuses inputs made only of control and zero-width characters, without an LM call", async () => {
    const before = upstream.calls;
    const invisible = "\u200B\u200C\u200D\uFEFF\u2060\u0000\u0007\u001B\u007F\u0085\u009F \t\n\r";
    const chat = await post(serve, "/v1/chat/completions", chatBody("tickets", invisible));
    expect(chat.status).toBe(400);
    expect(errorSchema.parse(await chat.json()).error.message).toBe(
      "messages[1].content: the last user message is empty",
    );
    const batch = await post(serve, "/v1/classify", JSON.stringify({ inputs: [lmTexts[0], invisible] }));
    expect(batch.status).toBe(400);
    expect(errorSchema.parse(await batch.json()).error.message).toBe("inputs[1]: empty text");
    expect(upstream.calls).toBe(before);
    // A visible character among them is an input.
    const visible = await post(serve, "/v1/classify", JSON.stringify({ inputs: [`${invisible}é`] }));
    expect(visible.status).toBe(200);
  });
});

describe("serve counts requests cut off as what they are, not as LM errors", () => {
  it("logs and counts a client that goes away as a client disconnect, and a shutdown cut-off as shutdown", async () => {
    const directory = await mkdtemp(join(tmpdir(), "serve-cut-off-"));
    const upstream = await startScriptedUpstream();
    upstream.behaviour = { kind: "hang" };
    const adapter = await loadTicketsAdapter(
      await ticketsAdapterFolder(),
      createOpenAICompatibleModel({ baseUrl: upstream.baseUrl, model: "scripted", timeoutMs: 10_000 }),
    );
    const [first, second] = distinctLmRoutedTexts(adapter, 2);
    const serve = await startServe({ adapter, logPath: join(directory, "decisions.jsonl") });
    try {
      const controller = new AbortController();
      const left = post(serve, "/v1/chat/completions", chatBody("tickets", first!), controller.signal);
      await waitFor(() => upstream.calls === 1);
      controller.abort();
      await expect(left).rejects.toThrow();
      await waitFor(() => /reason="client-disconnect"\} 1$/m.test(serve.metrics.render()));

      const cut = post(serve, "/v1/chat/completions", chatBody("tickets", second!)).catch((error) => error);
      await waitFor(() => upstream.calls === 2);
      await serve.close({ drainTimeoutMs: 50 });
      expect(await cut).toBeInstanceOf(Error);
      const metrics = serve.metrics.render();
      expect(metrics).toMatch(/^easy_adapt_cut_off_inputs_total\{reason="shutdown"\} 1$/m);
      expect(metrics).toMatch(/^easy_adapt_cut_off_inputs_total\{reason="client-disconnect"\} 1$/m);
      expect(metrics).not.toMatch(/^easy_adapt_lm_errors_total\{.*\} [1-9]/m);
      const records = await readRecords(directory);
      expect(records).toEqual([
        { route: "fallback", cutOff: "client-disconnect" },
        { route: "fallback", cutOff: "shutdown" },
      ]);
    } finally {
      await serve.close();
      await upstream.close();
      await rm(directory, { recursive: true, force: true });
    }
  });
});

/** `count` distinct texts the adapter routes to the LM: fixture rows with a ticket number added. */
function distinctLmRoutedTexts(adapter: Adapter, count: number): string[] {
  const rows = ["train.csv", "dev.csv", "test.csv"].flatMap((file) => readTicketRows(file as "test.csv"));
  const texts: string[] = [];
  for (let number = 0; texts.length < count && number < 1000; number += 1) {
    for (const row of rows) {
      const text = `${row.text} (ticket ${number})`;
      if (texts.length < count && adapter.decide(text).useLm) texts.push(text);
    }
  }
  if (texts.length < count) throw new Error(`only ${texts.length} LM-routed texts`);
  return texts;
}

function post(serve: ServeHandle, path: string, body: string, signal?: AbortSignal): Promise<Response> {
  return fetch(`${serve.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    ...(signal === undefined ? {} : { signal }),
  });
}

async function readRecords(directory: string) {
  const text = await readFile(join(directory, "decisions.jsonl"), "utf8");
  return text
    .trim()
    .split("\n")
    .map((line) => recordSchema.parse(JSON.parse(line)));
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
