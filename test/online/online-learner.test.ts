import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadAdapter } from "../../src/adapter/load-adapter.js";
import { createOpenAICompatibleModel } from "../../src/large-models/openai-compatible-model.js";
import { createOnlineLearner } from "../../src/online/online-learner.js";
import { startServe } from "../../src/serve/start-serve.js";
import type { Adapter } from "../../src/spec/adapter.js";
import { type ScriptedUpstream, startScriptedUpstream } from "../fixtures/serve/scripted-upstream.js";
import { readTicketRows } from "../fixtures/serve/serve-fixture.js";
import { ticketsAdapterFolder } from "../fixtures/serve/tickets-adapter.js";

const copyJob = new URL("../fixtures/online/copy-adapter-job.ts", import.meta.url);

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Requests (4 at a time) to /v1/classify until stopped; the failures (any non-200 or network error). */
function startLoad(url: string, texts: readonly string[]) {
  let running = true;
  const failures: string[] = [];
  const worker = async (offset: number) => {
    for (let index = offset; running; index += 4) {
      try {
        const response = await fetch(`${url}/v1/classify`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ model: "tickets", inputs: [texts[index % texts.length]!] }),
        });
        const body = await response.text();
        if (response.status !== 200) failures.push(`${response.status} ${body}`);
      } catch (error) {
        failures.push(String(error));
      }
    }
  };
  const workers = [0, 1, 2, 3].map(worker);
  return {
    async stop(): Promise<string[]> {
      running = false;
      await Promise.all(workers);
      return failures;
    },
  };
}

describe("the online learner", () => {
  let folder: string;
  let learnDir: string;
  let upstream: ScriptedUpstream;

  beforeAll(async () => {
    folder = await ticketsAdapterFolder();
    learnDir = join(await mkdtemp(join(tmpdir(), "online-learner-")), "tickets.learned");
    upstream = await startScriptedUpstream();
    upstream.behaviour = { kind: "answer", content: "card_declined", delayMs: 20 };
  }, 120_000);
  afterAll(async () => {
    await upstream?.close();
    await rm(join(learnDir, ".."), { recursive: true, force: true });
  });

  it("refreshes in a worker thread after every N LLM answers and swaps the result in under load, with no failed request", async () => {
    const largeModel = createOpenAICompatibleModel({
      baseUrl: upstream.baseUrl,
      model: "scripted",
      timeoutMs: 5000,
    });
    const served = await loadAdapter(folder, { largeModel });
    const manifest = await readFile(join(folder, "manifest.json"), "utf8");
    const swapped: Adapter[] = [];
    const news: string[] = [];
    let replace: (adapter: Adapter) => void = () => {};
    const learner = await createOnlineLearner({
      model: "tickets",
      from: { adapterDir: folder },
      learnDir,
      schedule: { kind: "every", n: 8 },
      load: (directory) => loadAdapter(directory, { largeModel }),
      swap: (adapter) => {
        swapped.push(adapter);
        replace(adapter);
      },
      jobModule: copyJob,
      say: (line) => news.push(line),
    });
    const serve = await startServe({
      adapter: served,
      online: { auditShare: 0, largeModelFor: () => largeModel, onLmAnswer: learner.hear },
    });
    replace = (adapter) => serve.replaceAdapter("tickets", adapter);
    const ids = new Set<string>();
    const routed = readTicketRows("test.csv")
      .map((row) => row.text)
      .filter((text) => served.decide(text).useLm);
    const load = startLoad(serve.url, routed);
    try {
      await waitFor(async () => {
        const health = (await (await fetch(`${serve.url}/healthz`)).json()) as { adapter_id: string };
        ids.add(health.adapter_id);
        return learner.refreshes >= 2;
      });
    } finally {
      const failures = await load.stop();
      await learner.close();
      await serve.close();
      expect(failures).toEqual([]);
    }
    expect(news.filter((line) => line.includes("refreshed from"))).toHaveLength(learner.refreshes);
    expect(swapped.map((adapter) => adapter.id)).toEqual([...new Set(swapped.map((adapter) => adapter.id))]);
    expect(ids.size).toBeGreaterThanOrEqual(2);
    // The user's folder is only read; the refreshed adapters are in the learn folder.
    expect(await readFile(join(folder, "manifest.json"), "utf8")).toBe(manifest);
    expect(
      (await readdir(learnDir)).filter((name) => name.startsWith("refresh-")).length,
    ).toBeGreaterThanOrEqual(2);
  }, 30_000);
});
