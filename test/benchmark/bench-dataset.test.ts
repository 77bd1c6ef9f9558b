import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBenchDataset, rowsOutside } from "../../src/benchmark/bench-dataset.js";
import { share } from "../../src/benchmark/bench-figures.js";
import { DataError } from "../../src/spec/errors/data-error.js";
import { topicsDir } from "../fixtures/adapt/load-fixture.js";

let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "bench-dataset-"));
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function copyTopics(name: string): Promise<string> {
  const target = join(folder, name);
  await cp(topicsDir, target, { recursive: true });
  return target;
}

describe("loadBenchDataset", () => {
  it("loads the three splits, names the dataset after its folder and takes the task from train", async () => {
    const dataset = await loadBenchDataset(`${await copyTopics("topics")}/`, "llm");
    expect(dataset.name).toBe("topics");
    expect([dataset.trainRows.length, dataset.devRows.length, dataset.testRows.length]).toEqual([
      160, 90, 90,
    ]);
    expect(dataset.trainHasColumn).toBe(true);
    expect(dataset.task.labels).toHaveLength(4);
  });

  it("takes the labels of labels.txt when there is one, and refuses a column dev or test lacks", async () => {
    const directory = await copyTopics("with-labels");
    await writeFile(join(directory, "labels.txt"), "weather\nsports\n\ncooking\nfinance\n");
    const dataset = await loadBenchDataset(directory, "llm");
    expect(dataset.task).toEqual({
      name: "with-labels",
      labels: ["weather", "sports", "cooking", "finance"],
    });
    await expect(loadBenchDataset(directory, "gpt4")).rejects.toBeInstanceOf(DataError);
  });
});

describe("rowsOutside and share", () => {
  it("counts rows whose label is missing or outside the task, naming at most five of those labels", async () => {
    const rows = [
      { text: "a", label: "weather", columns: {} },
      { text: "b", columns: {} },
      ...["x1", "x2", "x3", "x4", "x5", "x6"].map((label) => ({ text: label, label, columns: {} })),
    ];
    const outside = rowsOutside(rows, { name: "t", labels: ["weather", "sports"] }, "test.csv");
    expect(outside).toEqual({ count: 7, labels: ["", "x1", "x2", "x3", "x4"], file: "test.csv" });
    expect(share(Uint8Array.of(1, 0, 1, 1))).toBe(0.75);
    expect(share(new Uint8Array(0))).toBe(0);
  });
});
