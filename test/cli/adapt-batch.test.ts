import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReplayServer } from "../../src/replay/replay-server.js";
import { startTopicsReplayServer, topicsAdaptArgs } from "../fixtures/adapt/load-fixture.js";
import { runCli } from "../support/run-cli.js";

let directory: string;
let server: ReplayServer;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "easy-adapt-adapt-batch-"));
  server = await startTopicsReplayServer();
});

afterAll(async () => {
  await server?.close();
  await rm(directory, { recursive: true, force: true });
});

describe("easy-adapt adapt --batch", () => {
  it("asks every probed row through one batch: the probe then finds them all in the cache", async () => {
    const adapted = await runCli(
      topicsAdaptArgs(
        join(directory, "adapter"),
        {},
        "--probe-train",
        "--json",
        "--batch",
        "--batch-poll-ms",
        "20",
        ...["--lm-base-url", server.url, "--lm-model", "llm", "--cache", join(directory, "cache.sqlite")],
      ),
      { env: { OPENAI_API_KEY: "" } },
    );
    expect(adapted.status).toBe(0);
    expect(adapted.stderr).toContain("batch batch_replay_1 submitted: 250 requests");
    expect(JSON.parse(adapted.stdout).probe).toMatchObject({ asked: 250, failed: 0, cacheHits: 250 });
    const batches = (await (await fetch(`${server.url}/batches`)).json()) as { data: unknown[] };
    expect(batches.data).toHaveLength(1);
  });
});
