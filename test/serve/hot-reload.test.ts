import { cp, mkdtemp, open, readFile, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { adapterIdOf, loadAdapterArtifact, saveAdapterArtifact } from "../../src/adapter/adapter-artifact.js";
import { createOpenAICompatibleModel } from "../../src/large-models/openai-compatible-model.js";
import { startServe } from "../../src/serve/start-serve.js";
import { type ScriptedUpstream, startScriptedUpstream } from "../fixtures/serve/scripted-upstream.js";
import { chatBody } from "../fixtures/serve/serve-fixture.js";
import { type ServeProcess, startServeProcess } from "../fixtures/serve/serve-process.js";
import { readTicketRows } from "../fixtures/serve/tickets-adapter.js";
import {
  loadTwoAdapters,
  routedTexts,
  type TwoAdapterFolders,
  twoAdapterFolders,
} from "../fixtures/serve/two-adapters.js";

const healthSchema = z.object({ adapter_id: z.string() });

async function servedId(url: string): Promise<string> {
  return healthSchema.parse(await (await fetch(`${url}/healthz`)).json()).adapter_id;
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A loop of requests (4 at a time) against the model "main" until stopped; counts the failures. */
function startLoad(url: string, texts: readonly string[]) {
  let running = true;
  let sent = 0;
  const failures: string[] = [];
  const worker = async (offset: number) => {
    for (let index = offset; running; index += 4) {
      try {
        const response = await fetch(`${url}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: chatBody("main", texts[index % texts.length]!),
        });
        const body = await response.text();
        if (response.status !== 200) failures.push(`${response.status} ${body}`);
      } catch (error) {
        failures.push(String(error));
      }
      sent += 1;
    }
  };
  const workers = [0, 1, 2, 3].map(worker);
  return {
    get sent() {
      return sent;
    },
    async stop(): Promise<string[]> {
      running = false;
      await Promise.all(workers);
      return failures;
    },
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Hot reload over the real CLI: SIGHUP and --watch swap the adapter with no request failed. */
describe("serve hot reload", () => {
  let folders: TwoAdapterFolders;
  let ids: { tickets: string; topics: string };
  let upstream: ScriptedUpstream;
  let directory: string;
  let texts: string[];

  beforeAll(async () => {
    folders = await twoAdapterFolders();
    ids = {
      tickets: adapterIdOf(await readFile(join(folders.tickets, "manifest.json"))),
      topics: adapterIdOf(await readFile(join(folders.topics, "manifest.json"))),
    };
    upstream = await startScriptedUpstream();
    // A slow upstream: requests are in flight when the adapter is swapped.
    upstream.behaviour = { kind: "answer", content: "billing", delayMs: 40 };
    texts = readTicketRows("test.csv").map((row) => row.text);
    directory = await mkdtemp(join(tmpdir(), "serve-hot-reload-"));
  }, 120_000);
  afterAll(async () => {
    await upstream?.close();
    await rm(directory, { recursive: true, force: true });
  });

  /** Replaces the folder `served` by a copy of `source`, renamed into place (as a deploy does). */
  async function replaceFolder(served: string, source: string, corrupt = false): Promise<void> {
    const next = `${served}.next`;
    await cp(source, next, { recursive: true });
    if (corrupt) {
      // Same size, other bytes: only the manifest's hash tells.
      const file = await open(join(next, "ssm-1.bin"), "r+");
      await file.write(Buffer.from("corrupt!"), 0, 8, 64);
      await file.close();
    }
    await rm(`${served}.old`, { recursive: true, force: true });
    await rename(served, `${served}.old`);
    await rename(next, served);
  }

  async function serveFolder(served: string, extra: string[] = []): Promise<ServeProcess> {
    return startServeProcess([
      "--adapter",
      `main=${served}`,
      "--lm-base-url",
      upstream.baseUrl,
      "--max-retries",
      "0",
      ...extra,
    ]);
  }

  it("SIGHUP under load swaps to the replaced folder's adapter with zero failed requests; a corrupt one is refused", async () => {
    const served = join(directory, "sighup");
    await cp(folders.tickets, served, { recursive: true });
    const serve = await serveFolder(served);
    const load = startLoad(serve.url, texts);
    try {
      expect(await servedId(serve.url)).toBe(ids.tickets);
      await pause(300);
      await replaceFolder(served, folders.topics);
      serve.signal("SIGHUP");
      await waitFor(async () => (await servedId(serve.url)) === ids.topics);
      const metrics = await (await fetch(`${serve.url}/metrics`)).text();
      expect(metrics).toContain(`easy_adapt_adapter_info{adapter="main",id="${ids.topics}"} 1`);
      expect(serve.stderr()).toContain(
        `reloaded model "main" from ${served}: adapter ${ids.tickets} -> ${ids.topics}`,
      );
      await pause(300);

      // A corrupt replacement: refused with one loud line, the adapter served stays.
      await replaceFolder(served, folders.tickets, true);
      serve.signal("SIGHUP");
      await waitFor(() => serve.stderr().includes("RELOAD FAILED"));
      expect(serve.stderr()).toMatch(
        /RELOAD FAILED for model "main" .*checksum mismatch.*still serving adapter/,
      );
      await pause(300);
      expect(await servedId(serve.url)).toBe(ids.topics);
    } finally {
      const failures = await load.stop();
      expect(failures).toEqual([]);
      expect(load.sent).toBeGreaterThan(20);
      expect(await serve.stop()).toBe(0);
    }
  }, 30_000);

  it("a request in flight finishes on the adapter it started on; the next one is answered by the new one", async () => {
    const lm = (model: string) =>
      createOpenAICompatibleModel({ baseUrl: upstream.baseUrl, model, timeoutMs: 10_000 });
    const adapters = await loadTwoAdapters(folders, { tickets: lm("replay"), topics: lm("replay-topics") });
    const routed = await routedTexts(adapters);
    const logPath = join(directory, "in-flight.jsonl");
    const serve = await startServe({ adapter: adapters.tickets, logPath });
    upstream.behaviour = { kind: "answer", content: routed.tickets.routedLabel, delayMs: 300 };
    const callsBefore = upstream.calls;
    try {
      const inFlight = fetch(`${serve.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: chatBody("tickets", routed.tickets.routed),
      });
      // The request is at the upstream (its body received): then the adapter is swapped.
      await waitFor(() => upstream.calls > callsBefore);
      expect(serve.replaceAdapter("tickets", adapters.topics)).toBe(adapters.tickets);
      const answer = z
        .object({ easy_adapt: z.object({ route: z.string(), fallback_reason: z.string().optional() }) })
        .parse(await (await inFlight).json());
      expect(answer.easy_adapt).toEqual({ route: "lm" });
      const next = await fetch(`${serve.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: chatBody("tickets", routed.topics.local),
      });
      expect(next.status).toBe(200);
      await next.arrayBuffer();
    } finally {
      await serve.close();
      upstream.behaviour = { kind: "answer", content: "billing", delayMs: 40 };
    }
    const lines = (await readFile(logPath, "utf8"))
      .trim()
      .split("\n")
      .map((line) => z.object({ adapterId: z.string(), task: z.string() }).parse(JSON.parse(line)));
    expect(lines).toEqual([
      { adapterId: ids.tickets, task: "tickets" },
      { adapterId: ids.topics, task: "topics" },
    ]);
  });

  it("--watch picks up a folder renamed into place and an adapter saved over the served folder", async () => {
    const served = join(directory, "watched");
    await cp(folders.tickets, served, { recursive: true });
    const serve = await serveFolder(served, ["--watch"]);
    const load = startLoad(serve.url, texts);
    try {
      expect(await servedId(serve.url)).toBe(ids.tickets);
      await replaceFolder(served, folders.topics);
      await waitFor(async () => (await servedId(serve.url)) === ids.topics);
      // Written in place, as `adapt --out` onto the served folder does: never loaded half-written.
      await saveAdapterArtifact(served, await loadAdapterArtifact(folders.tickets));
      await waitFor(async () => (await servedId(serve.url)) === ids.tickets);
      await pause(200);
    } finally {
      const failures = await load.stop();
      expect(failures).toEqual([]);
      expect(await serve.stop()).toBe(0);
    }
    expect(serve.stderr()).not.toContain("RELOAD FAILED");
  }, 30_000);
});
