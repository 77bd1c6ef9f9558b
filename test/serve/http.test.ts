import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createOpenAICompatibleModel } from "../../src/large-models/openai-compatible-model.js";
import { type ReplayServer, startReplayServer } from "../../src/replay/replay-server.js";
import { type ServeHandle, startServe } from "../../src/serve/start-serve.js";
import type { Adapter } from "../../src/spec/adapter.js";
import { ServeStartError } from "../../src/spec/errors/serve-start-error.js";
import {
  loadTicketsAdapter,
  readTicketRows,
  ticketsAdapterFolder,
} from "../fixtures/serve/tickets-adapter.js";

describe("serve over real HTTP, driven by the official openai client, with the replay server upstream", () => {
  let replay: ReplayServer;
  let serve: ServeHandle;
  let adapter: Adapter;
  let client: OpenAI;
  let ssmText: string;
  let lmRow: { text: string; llm: string };

  beforeAll(async () => {
    const rows = readTicketRows("test.csv");
    replay = await startReplayServer({
      answers: rows.map((row) => ({ text: row.text, answer: row.llm })),
      latencyMs: 100,
    });
    adapter = await loadTicketsAdapter(
      await ticketsAdapterFolder(),
      createOpenAICompatibleModel({ baseUrl: replay.url, model: "replay", timeoutMs: 5000 }),
    );
    ssmText = rows.find((row) => !adapter.decide(row.text).useLm)!.text;
    lmRow = rows.find((row) => adapter.decide(row.text).useLm && row.llm !== "")!;
    serve = await startServe({ adapter, apiKey: "client-key", maxConcurrentLmCalls: 2 });
    client = new OpenAI({ baseURL: `${serve.url}/v1`, apiKey: "client-key", maxRetries: 0 });
  });
  afterAll(async () => {
    await serve?.close();
    await replay?.close();
  });

  it("lists the adapter as the model", async () => {
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toEqual(["tickets"]);
  });

  it("answers a non-streaming completion from the SSM and one through the LM", async () => {
    const local = await client.chat.completions
      .create({ model: "tickets", messages: [{ role: "user", content: ssmText }] })
      .withResponse();
    expect(local.response.headers.get("x-easy-adapt-route")).toBe("ssm");
    expect(local.data.choices[0]?.message.content).toBe(adapter.decide(ssmText).ssmLabel);

    const routed = await client.chat.completions
      .create({ model: "tickets", messages: [{ role: "user", content: lmRow.text }] })
      .withResponse();
    const route = routed.response.headers.get("x-easy-adapt-route");
    // The gate keeps the LM's answer (route lm) or overrules it with the SSM's (route ssm); it never falls back here.
    expect(["lm", "ssm"]).toContain(route);
    const label = routed.data.choices[0]?.message.content;
    expect(label).toBe(route === "lm" ? lmRow.llm : adapter.decide(lmRow.text).ssmLabel);
    expect(routed.data.choices[0]?.finish_reason).toBe("stop");
  });

  it("streams a completion that the client reassembles into the label", async () => {
    for (const text of [ssmText, lmRow.text]) {
      const stream = await client.chat.completions.create({
        model: "tickets",
        messages: [{ role: "user", content: text }],
        stream: true,
      });
      let content = "";
      let finish: string | null | undefined;
      for await (const chunk of stream) {
        content += chunk.choices[0]?.delta.content ?? "";
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      expect(adapter.task.labels).toContain(content);
      expect(finish).toBe("stop");
    }
  });

  it("surfaces 401 and 404 as the client's typed errors", async () => {
    const stranger = new OpenAI({ baseURL: `${serve.url}/v1`, apiKey: "wrong", maxRetries: 0 });
    await expect(
      stranger.chat.completions.create({ model: "tickets", messages: [{ role: "user", content: ssmText }] }),
    ).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(
      client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: ssmText }] }),
    ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("enforces the limits on the Node request too: 413 over 1 MB (declared or chunked), 400 for bad JSON", async () => {
    const headers = { authorization: "Bearer client-key", "content-type": "application/json" };
    const url = `${serve.url}/v1/chat/completions`;
    const huge = JSON.stringify({
      model: "tickets",
      messages: [{ role: "user", content: "x".repeat(1_100_000) }],
    });
    const declared = await fetch(url, { method: "POST", headers, body: huge });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ error: { code: "request_too_large" } });
    const bytes = new TextEncoder().encode(huge);
    const chunked = await fetch(url, {
      method: "POST",
      headers,
      body: new ReadableStream({
        start(controller) {
          for (let offset = 0; offset < bytes.length; offset += 65_536)
            controller.enqueue(bytes.slice(offset, offset + 65_536));
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
    const badJson = await fetch(url, { method: "POST", headers, body: "{nope" });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({
      error: { code: "invalid_json", type: "invalid_request_error" },
    });
    const health = await fetch(`${serve.url}/healthz`);
    expect(health.status).toBe(200);
  });

  it("refuses to start on a port in use, and with a log it cannot open, with a ServeStartError", async () => {
    const taken = startServe({ adapter, port: serve.port });
    await expect(taken).rejects.toBeInstanceOf(ServeStartError);
    await expect(taken).rejects.toMatchObject({
      code: "EADDRINUSE",
      isUserError: true,
      exitCode: 1,
      message: `port ${serve.port} on 127.0.0.1 is already in use: choose another with --port (or --port 0 for a free one)`,
    });
    const directory = await mkdtemp(join(tmpdir(), "serve-http-"));
    try {
      // A folder cannot be opened for appending; the port asked for is in use, so listening first would fail differently.
      await expect(startServe({ adapter, port: serve.port, logPath: directory })).rejects.toMatchObject({
        code: "EISDIR",
        message: `cannot open the decision log ${directory} for appending: it is a folder (EISDIR)`,
      });
      // The log is opened (created) at start, before the first record.
      const logPath = join(directory, "decisions.jsonl");
      const logged = await startServe({ adapter, logPath });
      expect((await stat(logPath)).size).toBe(0);
      await logged.close();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it("drains a request in flight on close, then refuses new connections", async () => {
    const drained = await startServe({ adapter, maxConcurrentLmCalls: 2 });
    const pending = fetch(`${drained.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "tickets", messages: [{ role: "user", content: lmRow.text }] }),
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    const closing = drained.close();
    const response = await pending;
    expect(response.status).toBe(200);
    expect(adapter.task.labels).toContain(
      z
        .object({ choices: z.array(z.object({ message: z.object({ content: z.string() }) })) })
        .parse(await response.json()).choices[0]?.message.content,
    );
    await closing;
    await expect(fetch(`${drained.url}/healthz`)).rejects.toThrow();
  });
});
