import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { Adapter } from "../../src/spec/adapter.js";
import { startServeProcess } from "../fixtures/serve/serve-process.js";
import {
  loadTwoAdapters,
  type RoutedTexts,
  routedTexts,
  type TwoAdapterFolders,
  twoAdapterFolders,
} from "../fixtures/serve/two-adapters.js";
import { runCli } from "../support/run-cli.js";
import { chatCompletionBody, type ScriptedServer, startScriptedServer } from "../support/scripted-server.js";

const answerSchema = z.object({
  easy_adapt: z.object({ route: z.string(), fallback_reason: z.string().optional() }),
});

/** The `model` each request the upstream received asked for, in order. */
function modelsAsked(upstream: ScriptedServer): string[] {
  return upstream.requests.map(
    (request) => z.object({ model: z.string() }).parse(JSON.parse(request.body)).model,
  );
}

async function chat(url: string, model: string, text: string): Promise<z.infer<typeof answerSchema>> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: text }] }),
  });
  expect(response.status).toBe(200);
  return answerSchema.parse(await response.json());
}

async function modelIds(url: string): Promise<string[]> {
  const body = z
    .object({ data: z.array(z.object({ id: z.string() })) })
    .parse(await (await fetch(`${url}/v1/models`)).json());
  return body.data.map((model) => model.id);
}

describe("easy-adapt serve with several adapters (CLI)", () => {
  let folders: TwoAdapterFolders;
  let texts: { tickets: RoutedTexts; topics: RoutedTexts };
  let adapters: { tickets: Adapter; topics: Adapter };
  let upstream: ScriptedServer;
  let failing = false;
  let directory: string;

  beforeAll(async () => {
    folders = await twoAdapterFolders();
    adapters = await loadTwoAdapters(folders);
    texts = await routedTexts(adapters);
    upstream = await startScriptedServer([], () =>
      failing ? { status: 500, body: {} } : { status: 200, body: chatCompletionBody("an answer") },
    );
    directory = await mkdtemp(join(tmpdir(), "serve-many-cli-"));
    // A folder of adapters, with a folder and a file that are not adapters.
    const parent = join(directory, "adapters");
    await cp(folders.tickets, join(parent, "a-tickets"), { recursive: true });
    await cp(folders.topics, join(parent, "b-topics"), { recursive: true });
    await mkdir(join(parent, "c-not-an-adapter"));
    await writeFile(join(parent, "notes.txt"), "not an adapter\n");
  }, 120_000);
  afterAll(async () => {
    await upstream?.close();
    await rm(directory, { recursive: true, force: true });
  });

  it("--adapter twice (one as NAME=DIR): each adapter calls the LM it was calibrated against, under one circuit breaker", async () => {
    const logPath = join(directory, "decisions.jsonl");
    const serve = await startServeProcess([
      "--adapter",
      folders.tickets,
      "--adapter",
      `news=${folders.topics}`,
      "--lm-base-url",
      `${upstream.origin}/v1`,
      "--max-retries",
      "0",
      "--breaker-failures",
      "1",
      "--log",
      logPath,
    ]);
    try {
      expect(await modelIds(serve.url)).toEqual(["tickets", "news"]);
      await chat(serve.url, "tickets", texts.tickets.routed);
      await chat(serve.url, "news", texts.topics.routed);
      // No --lm-model: each adapter asks the model it was calibrated against.
      expect(modelsAsked(upstream)).toEqual(["replay", "replay-topics"]);
      expect(await (await fetch(`${serve.url}/healthz`)).json()).toEqual({
        status: "ok",
        models: [
          {
            model: "tickets",
            lm: adapters.tickets.lmId,
            adapter_id: adapters.tickets.id,
            lm_circuit: "closed",
          },
          {
            model: "news",
            lm: "openai-compatible:replay-topics",
            adapter_id: adapters.topics.id,
            lm_circuit: "closed",
          },
        ],
      });

      // The upstream fails: one failed call through tickets opens the breaker that news shares.
      failing = true;
      expect(await chat(serve.url, "tickets", texts.tickets.routed)).toMatchObject({
        easy_adapt: { route: "fallback", fallback_reason: "lm-error" },
      });
      expect(await chat(serve.url, "news", texts.topics.routed)).toMatchObject({
        easy_adapt: { route: "fallback", fallback_reason: "circuit-open" },
      });
      expect(upstream.requests).toHaveLength(3);

      const metrics = await (await fetch(`${serve.url}/metrics`)).text();
      expect(metrics).toMatch(/^easy_adapt_fallbacks_total\{adapter="tickets",reason="lm-error"\} 1$/m);
      expect(metrics).toMatch(/^easy_adapt_fallbacks_total\{adapter="news",reason="circuit-open"\} 1$/m);
      expect(metrics).toMatch(/^easy_adapt_lm_circuit_state 2$/m);
    } finally {
      failing = false;
      expect(await serve.stop()).toBe(0);
    }
    const lines = (await readFile(logPath, "utf8")).trim().split("\n");
    expect(lines.map((line) => z.object({ adapter: z.string() }).parse(JSON.parse(line)).adapter)).toEqual([
      "tickets",
      "news",
      "tickets",
      "news",
    ]);
  });

  it("--adapters DIR serves every adapter folder inside DIR; --lm-model overrides their LMs", async () => {
    const parent = join(directory, "adapters");
    const before = upstream.requests.length;
    const serve = await startServeProcess([
      "--adapters",
      parent,
      "--lm-base-url",
      `${upstream.origin}/v1`,
      "--lm-model",
      "one-model",
    ]);
    try {
      expect(await modelIds(serve.url)).toEqual(["tickets", "topics"]);
      await chat(serve.url, "tickets", texts.tickets.routed);
      await chat(serve.url, "topics", texts.topics.routed);
      expect(modelsAsked(upstream).slice(before)).toEqual(["one-model", "one-model"]);
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  });

  it("refuses two adapters with one name, and no adapter, as usage errors", async () => {
    const parent = join(directory, "adapters");
    const twice = await runCli(["serve", "--adapters", parent, "--adapter", folders.tickets]);
    expect(twice.status).toBe(2);
    expect(twice.stderr).toBe(
      `easy-adapt: two adapters would be served as the model "tickets" (${folders.tickets} and ${join(parent, "a-tickets")}): give one its own name with --adapter NAME=DIR\n`,
    );
    const none = await runCli(["serve"]);
    expect(none.status).toBe(2);
    expect(none.stderr).toBe("easy-adapt: give the adapter to serve: --adapter DIR or --adapters DIR\n");
  });
});
