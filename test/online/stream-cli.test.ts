import { existsSync } from "node:fs";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
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
      [
        "stream",
        dataset,
        "--llm-column",
        "llm",
        "--learn-every",
        "150",
        "--training-threads",
        "2",
        "--json",
        "--out",
        out,
      ],
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
    // stream.json is the same object with the settings the run used.
    expect(JSON.parse(await readFile(join(out, "stream.json"), "utf8"))).toEqual({
      ...json,
      settings: {
        splits: ["train", "dev", "test"],
        seed: 7,
        learnEvery: 150,
        auditShare: 0.02,
        maxDisagreement: 0.02,
        trainingThreads: 2,
      },
    });
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

  it("refuses the gold label or text column as the LLM column, naming the file's LLM columns", async () => {
    for (const [column, what] of [
      ["label", "the gold label column"],
      ["text", "the input text column"],
    ]) {
      const result = await runCli(["stream", dataset, "--llm-column", column!]);
      expect(result.status).toBe(2);
      expect(result.stderr).toBe(
        `easy-adapt: --llm-column ${column} is ${what}, not an LLM's answers: the LLM columns of the dataset's files are llm\n`,
      );
    }
  });

  it("refuses --gold N past the stream's rows, saying how many it has", async () => {
    const result = await runCli(["stream", dataset, "--llm-column", "llm", "--gold", "600"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe("easy-adapt: --gold 600 is more than the stream's 500 rows\n");
  });

  it("when a split lacks the LLM column, names the splits that carry it and the --splits to use", async () => {
    const partial = join(directory, "partial");
    await cp(dataset, partial, { recursive: true });
    const train = parse(await readFile(join(partial, "train.csv"), "utf8"), { columns: true }) as {
      text: string;
      label: string;
    }[];
    await writeFile(
      join(partial, "train.csv"),
      stringify(train, { header: true, columns: ["text", "label"] }),
    );
    const result = await runCli(["stream", partial, "--llm-column", "llm"]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('no column "llm" (columns: text, label)');
    expect(result.stderr).toContain('the splits carrying "llm" are dev, test: use --splits dev,test');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
