import { cp, mkdtemp, open, readFile, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adapterIdOf, loadAdapterArtifact, saveAdapterArtifact } from "../../src/adapter/adapter-artifact.js";
import { type ReplayServer, startReplayServer } from "../../src/replay/replay-server.js";
import { type ServeProcess, startServeProcess } from "../fixtures/serve/serve-process.js";
import { readTicketRows, ticketsAdapterFolder } from "../fixtures/serve/tickets-adapter.js";

const rows = ["train.csv", "dev.csv", "test.csv"].flatMap((file) => readTicketRows(file as "train.csv"));
// Texts no adapter was built from: each LLM answer to one is a new training row.
const newTexts = readTicketRows("test.csv").map((row) => row.text);

async function servedId(url: string): Promise<string> {
  return ((await (await fetch(`${url}/healthz`)).json()) as { adapter_id: string }).adapter_id;
}

/** Sends the new texts, one request each, until `done` (checked after each); throws after 40 s. */
async function feedUntil(url: string, done: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 40_000;
  for (let index = 0; !(await done()); index += 1) {
    if (Date.now() > deadline) throw new Error("timed out feeding");
    const response = await fetch(`${url}/v1/classify`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ inputs: [newTexts[index % newTexts.length]!] }),
    });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
  }
}

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The kept rows each refresh said it started from, in order. */
function keptRows(serve: ServeProcess): number[] {
  return [...serve.stderr().matchAll(/refreshed from \d+ new answers \(\+ (\d+) kept rows/g)].map((match) =>
    Number(match[1]),
  );
}

/** `serve --learn-every` with reloads: a deploy reloaded is what the learner goes on from. */
describe("serve --learn-every with --watch", () => {
  let directory: string;
  let deployed: string;
  let replay: ReplayServer;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "serve-learn-reload-"));
    // A deploy: the same adapter, saved again later (so another id).
    deployed = join(directory, "deployed");
    const artifact = await loadAdapterArtifact(await ticketsAdapterFolder());
    const createdAt = new Date(Date.parse(artifact.description.createdAt) + 60_000).toISOString();
    await saveAdapterArtifact(deployed, { ...artifact, description: { ...artifact.description, createdAt } });
    replay = await startReplayServer({ answers: rows.map((row) => ({ text: row.text, answer: row.llm })) });
  }, 120_000);
  afterAll(async () => {
    await replay?.close();
    await rm(directory, { recursive: true, force: true });
  });

  it("after a folder replaced under --watch is reloaded, the next refresh starts from it; reload lines name the adapter served now", async () => {
    const served = join(directory, "tickets");
    await cp(await ticketsAdapterFolder(), served, { recursive: true });
    const deployedId = adapterIdOf(await readFile(join(deployed, "manifest.json")));
    const serve = await startServeProcess([
      ...["--adapter", served, "--lm-base-url", replay.url, "--lm-model", "replay"],
      ...["--learn-every", "10", "--watch"],
    ]);
    try {
      const start = await servedId(serve.url);
      await feedUntil(serve.url, async () => (await servedId(serve.url)) !== start);
      const refreshed = await servedId(serve.url);
      const [startRows] = keptRows(serve);
      // The deploy: renamed into place over the served folder.
      await cp(deployed, `${served}.next`, { recursive: true });
      await rename(served, `${served}.old`);
      await rename(`${served}.next`, served);
      await feedUntil(serve.url, async () => (await servedId(serve.url)) === deployedId);
      // The reload line names the adapter served before it: the online refresh's, not the one served at start.
      expect(serve.stderr()).toContain(
        `reloaded model "tickets" from ${served}: adapter ${refreshed} -> ${deployedId}`,
      );
      await feedUntil(serve.url, async () => (await servedId(serve.url)) !== deployedId);
      // The refresh after the reload kept the deploy's rows, not those of the first refresh (which had more).
      expect(keptRows(serve).at(-1)).toBe(startRows);
      expect(keptRows(serve)[1]).toBe(startRows);

      // A corrupt deploy is refused, the line naming the adapter served now (the last refresh's).
      const last = await servedId(serve.url);
      await cp(deployed, `${served}.next`, { recursive: true });
      const file = await open(join(`${served}.next`, "ssm-1.bin"), "r+");
      await file.write(Buffer.from("corrupt!"), 0, 8, 64);
      await file.close();
      await rm(`${served}.old`, { recursive: true, force: true });
      await rename(served, `${served}.old`);
      await rename(`${served}.next`, served);
      serve.signal("SIGHUP");
      await waitFor(() => serve.stderr().includes("RELOAD FAILED"));
      expect(serve.stderr()).toMatch(
        new RegExp(`RELOAD FAILED for model "tickets" .*still serving adapter ${last}\\n`),
      );
      expect(await servedId(serve.url)).toBe(last);
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  }, 90_000);
});
