import { cp, mkdtemp, readFile, rename, rm } from "node:fs/promises";
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

  it("after a folder replaced under --watch is reloaded, the next refresh starts from it, not from the learner's last refresh", async () => {
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
      const [startRows] = keptRows(serve);
      // The deploy: renamed into place over the served folder.
      await cp(deployed, `${served}.next`, { recursive: true });
      await rename(served, `${served}.old`);
      await rename(`${served}.next`, served);
      await feedUntil(serve.url, async () => (await servedId(serve.url)) === deployedId);
      expect(serve.stderr()).toContain(`reloaded model "tickets" from ${served}`);
      await feedUntil(serve.url, async () => (await servedId(serve.url)) !== deployedId);
      // The refresh after the reload kept the deploy's rows, not those of the first refresh (which had more).
      expect(keptRows(serve).at(-1)).toBe(startRows);
      expect(keptRows(serve)[1]).toBe(startRows);
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  }, 90_000);
});
