import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReplayServer } from "../../src/replay/replay-server.js";
import { startTopicsReplayServer, topicsDir } from "../fixtures/adapt/load-fixture.js";
import { runCli } from "../support/run-cli.js";

let directory: string;
let server: ReplayServer;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "easy-adapt-adapt-task-"));
  server = await startTopicsReplayServer();
});

afterAll(async () => {
  await server?.close();
  await rm(directory, { recursive: true, force: true });
});

/** A data folder `name` holding the topics fixture's train.csv and dev.csv (no task.json). */
async function dataFolder(name: string): Promise<string> {
  const folder = join(directory, name);
  await mkdir(folder);
  for (const file of ["train.csv", "dev.csv"]) await copyFile(join(topicsDir, file), join(folder, file));
  return folder;
}

/** `adapt` without --task on `folder`'s train.csv and dev.csv into `out`, through the replay server. */
function adaptWithoutTask(folder: string, out: string, ...rest: string[]) {
  return runCli([
    "adapt",
    "--train",
    join(folder, "train.csv"),
    "--calib",
    join(folder, "dev.csv"),
    "--out",
    out,
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

async function adapterTask(out: string): Promise<{ name: string; labels: string[] }> {
  return JSON.parse(await readFile(join(out, "adapter.json"), "utf8")).task;
}

describe("adapt without --task", () => {
  it("takes the labels of labels.txt beside the data, in its order, and says so", async () => {
    const folder = await dataFolder("news-topics");
    await writeFile(join(folder, "labels.txt"), "weather\nsports\ncooking\nfinance\n");
    const out = join(directory, "adapter-labels-file");
    const result = await adaptWithoutTask(folder, out);
    expect(result.stderr).not.toContain("unexpected error");
    expect(result.status).toBe(0);
    expect(result.stderr).toContain(
      `no --task: task "news-topics" with the 4 labels of ${join(folder, "labels.txt")}`,
    );
    expect(await adapterTask(out)).toEqual({
      name: "news-topics",
      labels: ["weather", "sports", "cooking", "finance"],
    });
  }, 60_000);

  it("without labels.txt takes the training rows' distinct labels (sorted), and says so", async () => {
    const folder = await dataFolder("topics-plain");
    const out = join(directory, "adapter-rows");
    const result = await adaptWithoutTask(folder, out);
    expect(result.stderr).not.toContain("unexpected error");
    expect(result.status).toBe(0);
    expect(result.stderr).toContain("the 4 distinct labels of the training rows in");
    expect(await adapterTask(out)).toEqual({
      name: "topics-plain",
      labels: ["cooking", "finance", "sports", "weather"],
    });
  }, 60_000);

  it("refuses plainly when neither labels.txt nor the training rows give labels", async () => {
    const folder = join(directory, "unlabelled");
    await mkdir(folder);
    const texts = Array.from({ length: 12 }, (_, index) => `message number ${index}`);
    await writeFile(join(folder, "train.csv"), `text\n${texts.join("\n")}\n`);
    await copyFile(join(topicsDir, "dev.csv"), join(folder, "dev.csv"));
    const result = await adaptWithoutTask(folder, join(directory, "adapter-none"), "--probe-train");
    expect(result.status).toBe(1);
    expect(result.stderr).not.toContain("    at ");
    expect(result.stderr).toContain("no labels for the task");
    expect(result.stderr).toContain(
      "give --task task.json, put labels.txt (one label a line) beside the data",
    );
  }, 60_000);
});
