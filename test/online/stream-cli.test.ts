import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSyntheticStream } from "../fixtures/online/synthetic-stream.js";
import { runCli } from "../support/run-cli.js";

/** `easy-adapt stream` end to end over the real CLI, on a small synthetic dataset folder. */
describe("easy-adapt stream", () => {
  let directory: string;
  let dataset: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "stream-cli-"));
    dataset = join(directory, "topics");
    await writeSyntheticStream(dataset, 500);
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("starts with every input on the LLM, learns from its answers and prints exactly the JSON object", async () => {
    const out = join(directory, "out");
    const result = await runCli(
      ["stream", dataset, "--llm-column", "llm", "--learn-every", "150", "--json", "--out", out],
      { timeoutMs: 60_000 },
    );
    expect(result.status).toBe(0);
    // Only the progress goes to stderr.
    expect(result.stderr.split("\n").filter((line) => line !== "" && !line.startsWith("stream "))).toEqual(
      [],
    );
    const lines = result.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const json = JSON.parse(lines[0]!);
    expect(Object.keys(json)).toEqual([
      "dataset",
      "llmColumn",
      "rows",
      "gold",
      "results",
      "refreshes",
      "seconds",
      "peakRssMb",
    ]);
    expect(Object.keys(json.results)).toEqual(["lm", "stream"]);
    expect(Object.keys(json.results.stream)).toEqual(["accuracy", "lmShare", "agreement", "lastQuarter"]);
    expect(Object.keys(json.results.stream.lastQuarter)).toEqual(["accuracy", "lmShare", "lmAccuracy"]);
    expect(json).toMatchObject({
      dataset: "topics",
      llmColumn: "llm",
      rows: 500,
      gold: "none",
      refreshes: 3,
    });
    // The first quarter has no adapter yet (the first refresh comes after 150 answers): all on the LLM.
    expect(json.results.stream.lmShare).toBeLessThan(1);
    expect(json.results.stream.lastQuarter.lmShare).toBeLessThan(0.8);
    expect(json.results.stream.agreement).toBeGreaterThan(0.97);
    expect(json.results.stream.accuracy).toBeGreaterThan(0.97);
    expect(JSON.parse(await readFile(join(out, "stream.json"), "utf8"))).toEqual(json);
    expect(await readFile(join(out, "stream.svg"), "utf8")).toMatch(/^<svg/);
    expect(existsSync(join(out, "learned", "refresh-0003", "manifest.json"))).toBe(true);
  }, 60_000);

  it("prints a table per quarter without --json, and learns from the first N gold labels with --gold N", async () => {
    const out = join(directory, "table");
    const result = await runCli(
      [
        "stream",
        dataset,
        "--llm-column",
        "llm",
        "--splits",
        "test",
        "--gold",
        "30",
        "--learn-every",
        "60",
        "--out",
        out,
      ],
      { timeoutMs: 60_000 },
    );
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("topics (llm), 125 inputs, gold 30, 2 refreshes:");
    for (const stretch of ["quarter 1", "quarter 2", "quarter 3", "quarter 4", "all"]) {
      expect(result.stdout).toMatch(new RegExp(`${stretch}\\s+\\d+\\s+[\\d.]+%\\s+[\\d.]+%`));
    }
    // The first refresh learnt from the 30 gold rows fed before it, beside the LLM's answers.
    expect(result.stderr).toMatch(/refreshed from 60 new answers \(\+ 0 kept rows, 30 gold\)/);
    expect(JSON.parse(await readFile(join(out, "stream.json"), "utf8"))).toMatchObject({ gold: 30 });
  }, 60_000);

  it("says what is wrong, without a stack trace, for a column the dataset lacks or a bad flag", async () => {
    const missing = await runCli(["stream", dataset, "--llm-column", "gpt9"]);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('no column "gpt9"');
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    const badSplits = await runCli([
      "stream",
      dataset,
      "--llm-column",
      "llm",
      "--splits",
      "train,validation",
    ]);
    expect(badSplits.status).not.toBe(0);
    expect(badSplits.stderr).toContain("--splits must list train, dev and/or test");
  });
});
