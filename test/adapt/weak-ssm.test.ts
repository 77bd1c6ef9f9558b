import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBenchmark } from "../../src/benchmark/benchmark.js";
import { writeCsvFile } from "../../src/data/write-csv.js";
import { createSeededRandom } from "../../src/util/seeded-random.js";
import { loadTopics } from "../fixtures/adapt/load-fixture.js";

let directory: string;

/**
 * The topics fixture with every text replaced by label-free filler: the small model can only guess,
 * while the (replayed) LM keeps its recorded answers. The default operating point must then stay
 * with the LM: never more than 0.5 points below the LM alone.
 */
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "easy-adapt-weak-ssm-"));
  const topics = await loadTopics();
  const random = createSeededRandom(11);
  const vocabulary = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "omega",
    "sigma",
    "kappa",
    "theta",
    "lambda",
    "zeta",
  ];
  let id = 0;
  const rewrite = (rows: typeof topics.train) =>
    rows.map((row) => {
      id += 1;
      const words = Array.from({ length: 4 }, () => vocabulary[Math.floor(random() * vocabulary.length)]);
      return {
        text: `note ${id}: ${words.join(" ")}`,
        label: row.label ?? "",
        llm: row.columns["llm"] ?? "",
      };
    });
  const folder = join(directory, "noise");
  const { mkdir } = await import("node:fs/promises");
  await mkdir(folder);
  await writeCsvFile(join(folder, "train.csv"), ["text", "label", "llm"], rewrite(topics.train));
  await writeCsvFile(join(folder, "dev.csv"), ["text", "label", "llm"], rewrite(topics.dev));
  await writeCsvFile(join(folder, "test.csv"), ["text", "label", "llm"], rewrite(topics.test));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe("a useless small model", () => {
  it("leaves the default operating point with the LM", async () => {
    const run = await runBenchmark({ datasetDir: join(directory, "noise"), llmColumn: "llm" });
    const { lm, ssm, adapted } = run.result.results;
    expect(ssm.accuracy).toBeLessThan(0.5);
    expect(adapted.accuracy).toBeGreaterThanOrEqual(lm.accuracy - 0.005);
    expect(adapted.lmShare).toBeGreaterThan(0.9);
    expect(run.adaptation.fitted.estimates.adapted).toBeGreaterThanOrEqual(
      run.adaptation.fitted.estimates.lmAlone,
    );
  }, 60_000);
});
