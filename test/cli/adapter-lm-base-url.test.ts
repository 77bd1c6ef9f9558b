import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadAdapterArtifact, saveAdapterArtifact } from "../../src/adapter/adapter-artifact.js";
import { loadRows } from "../../src/data/stream-rows.js";
import type { ReplayServer } from "../../src/replay/replay-server.js";
import { startTopicsReplayServer, topicsAdaptArgs, topicsDir } from "../fixtures/adapt/load-fixture.js";
import { startServeProcess } from "../fixtures/serve/serve-process.js";
import { runCli } from "../support/run-cli.js";

let directory: string;
let server: ReplayServer;
/** An adapter calibrated through the replay server on loopback (its URL recorded). */
let adapterDir: string;
let testTexts: string[];
/** No API key in the environment of the commands these tests run. */
const noKey = { env: { OPENAI_API_KEY: "", ANTHROPIC_API_KEY: "" } };

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "easy-adapt-lm-base-url-"));
  server = await startTopicsReplayServer();
  adapterDir = join(directory, "adapter");
  const adapted = await runCli(
    topicsAdaptArgs(adapterDir, {}, "--lm-base-url", server.url, "--lm-model", "llm", "--no-cache", "--json"),
    noKey,
  );
  expect(adapted.stderr).not.toContain("unexpected error");
  expect(adapted.status).toBe(0);
  testTexts = (await loadRows(join(topicsDir, "test.csv"))).map((row) => row.text);
}, 60_000);

afterAll(async () => {
  await server?.close();
  await rm(directory, { recursive: true, force: true });
});

/** A copy of the adapter whose description records `lmBaseUrl` (none: as written before it was recorded). */
async function adapterRecording(name: string, lmBaseUrl: string | undefined): Promise<string> {
  const artifact = await loadAdapterArtifact(adapterDir);
  const { lmBaseUrl: _recorded, ...older } = artifact.description;
  const copy = join(directory, name);
  await saveAdapterArtifact(copy, {
    ...artifact,
    description: lmBaseUrl === undefined ? older : { ...older, lmBaseUrl },
  });
  return copy;
}

describe("the LM base URL an adapter was calibrated against", () => {
  it("is recorded in the adapter by adapt", async () => {
    const description = JSON.parse(await readFile(join(adapterDir, "adapter.json"), "utf8"));
    expect(description.lmBaseUrl).toBe(server.url);
  });

  it("is eval's default: the LM on loopback is called without --lm-base-url and without a key", async () => {
    const evaluated = await runCli(
      ["eval", "--adapter", adapterDir, "--test", join(topicsDir, "test.csv"), "--no-cache", "--json"],
      noKey,
    );
    expect(evaluated.stderr).not.toContain("LM calls failed");
    expect(evaluated.status).toBe(0);
    const report = JSON.parse(evaluated.stdout);
    const lm = report.systems.find((system: { id: string }) => system.id === "lm");
    expect(lm.accuracy).toBeGreaterThan(0.5);
  }, 60_000);

  it("is predict's default once the LM is asked for (--lm-model): LM-routed texts reach it", async () => {
    const predicted = await runCli(
      ["predict", "--adapter", adapterDir, "--lm-model", "llm", "--no-cache", "--json", ...testTexts],
      noKey,
    );
    expect(predicted.status).toBe(0);
    const routes = predicted.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { route: string });
    expect(routes.filter((prediction) => prediction.route === "lm").length).toBeGreaterThan(0);
    expect(routes.filter((prediction) => prediction.route === "fallback")).toEqual([]);
  }, 60_000);

  it("is serve's default: LM-routed inputs of /v1/classify are answered by the LM", async () => {
    const serve = await startServeProcess(["--adapter", adapterDir, "--lm-model", "llm"]);
    try {
      const response = await fetch(`${serve.url}/v1/classify`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ inputs: testTexts.slice(0, 60) }),
      });
      expect(response.status).toBe(200);
      const { results } = (await response.json()) as { results: { route: string }[] };
      expect(results.filter((result) => result.route === "lm").length).toBeGreaterThan(0);
      expect(results.filter((result) => result.route === "fallback")).toEqual([]);
    } finally {
      await serve.stop();
    }
  }, 60_000);

  it("a public endpoint without a key: eval, predict and serve stop at once with 'no API key', calling nothing", async () => {
    const publicAdapter = await adapterRecording("adapter-public", "https://llm.example.com/v1");
    const commands = [
      ["eval", "--adapter", publicAdapter, "--test", join(topicsDir, "test.csv"), "--no-cache"],
      ["predict", "--adapter", publicAdapter, "--lm-model", "llm", "--no-cache", "a text"],
      ["serve", "--adapter", publicAdapter, "--lm-model", "llm", "--no-cache", "--port", "0"],
    ];
    const results = await Promise.all(commands.map((args) => runCli(args, { ...noKey, timeoutMs: 30_000 })));
    for (const result of results) {
      expect(result.status).toBe(2);
      expect(result.stderr).toContain("no API key for the LM at https://llm.example.com/v1");
      expect(result.stderr).toContain("set OPENAI_API_KEY, or name the environment variable");
      expect(result.stderr).toContain("--lm-api-key-env");
      expect(result.stdout).not.toContain("listening");
    }
  }, 60_000);

  it("an adapter written before the URL was recorded still loads; eval then defaults to the public endpoint", async () => {
    const older = await adapterRecording("adapter-older", undefined);
    const artifact = await loadAdapterArtifact(older);
    expect(artifact.description.lmBaseUrl).toBeUndefined();
    const evaluated = await runCli(
      ["eval", "--adapter", older, "--test", join(topicsDir, "test.csv"), "--no-cache"],
      noKey,
    );
    expect(evaluated.status).toBe(2);
    expect(evaluated.stderr).toContain("no API key for the LM at https://api.openai.com/v1");
    // With --lm-base-url the LM on loopback answers, key or not.
    const local = await runCli(
      [
        "eval",
        "--adapter",
        older,
        "--test",
        join(topicsDir, "test.csv"),
        "--no-cache",
        "--lm-base-url",
        server.url,
      ],
      noKey,
    );
    expect(local.status).toBe(0);
  }, 60_000);
});
