import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReplayServer } from "../../src/replay/replay-server.js";
import { startTopicsReplayServer, topicsDir } from "../fixtures/adapt/load-fixture.js";
import { runCli } from "../support/run-cli.js";

let directory: string;
let server: ReplayServer;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "easy-adapt-training-threads-"));
  server = await startTopicsReplayServer();
});

afterAll(async () => {
  await server?.close();
  await rm(directory, { recursive: true, force: true });
});

/** `adapt` on the topics fixture into `out` through the replay server, with `rest`. */
function adaptTopics(out: string, ...rest: string[]) {
  return runCli([
    "adapt",
    "--train",
    join(topicsDir, "train.csv"),
    "--calib",
    join(topicsDir, "dev.csv"),
    "--out",
    join(directory, out),
    "--lm-base-url",
    server.url,
    "--lm-model",
    "llm",
    "--cache",
    join(directory, "cache.sqlite"),
    "--json",
    ...rest,
  ]);
}

describe("--training-threads", () => {
  it("trains the fold models on that many threads (the summary says how many trained)", async () => {
    const two = await adaptTopics("two", "--training-threads", "2");
    expect(two.status, two.stderr).toBe(0);
    expect(JSON.parse(two.stdout)).toMatchObject({ trainingThreads: 2 });
    const one = await adaptTopics("one", "--training-threads", "1");
    expect(one.status, one.stderr).toBe(0);
    expect(JSON.parse(one.stdout)).toMatchObject({ trainingThreads: 1 });
    const estimated = (stdout: string) => JSON.parse(stdout).estimated;
    expect(estimated(two.stdout)).toEqual(estimated(one.stdout));
  }, 60_000);

  it("refuses a count that is not a whole number from 1 (exit 2)", async () => {
    const result = await adaptTopics("zero", "--training-threads", "0");
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("--training-threads must be a whole number from 1");
  }, 30_000);
});
