import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReplayServer } from "../../src/replay/replay-server.js";
import { startTopicsReplayServer, topicsAdaptArgs, topicsDir } from "../fixtures/adapt/load-fixture.js";
import { runCli } from "../support/run-cli.js";

let directory: string;
let server: ReplayServer;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "easy-adapt-pipeline-"));
  server = await startTopicsReplayServer();
});

afterAll(async () => {
  await server?.close();
  await rm(directory, { recursive: true, force: true });
});

const lmFlags = () => [
  "--lm-base-url",
  server.url,
  "--lm-model",
  "llm",
  "--cache",
  join(directory, "cache.sqlite"),
];

/** `adapt` on the topics fixture into `out`, then `rest`. */
function adaptArgs(out: string, ...rest: string[]): string[] {
  return topicsAdaptArgs(out, {}, ...rest);
}

describe("adapt → predict → eval through the CLI, over a real replay server and SQLite cache", () => {
  it("adapts, predicts and evaluates", async () => {
    const adapterDir = join(directory, "adapter");
    const adapted = await runCli(adaptArgs(adapterDir, "--probe-train", "--json", ...lmFlags()));
    expect(adapted.stderr).not.toContain("unexpected error");
    expect(adapted.status).toBe(0);
    const summary = JSON.parse(adapted.stdout);
    expect(summary.probe).toMatchObject({ asked: 250, failed: 0 });
    expect(summary.probe.unparseable).toBeGreaterThan(0);
    // The default operating point is never estimated below the LM alone.
    expect(summary.estimated.adapted).toBeGreaterThanOrEqual(summary.estimated.lmAlone);
    for (const file of ["manifest.json", "adapter.json", "ssm-1.bin", "calibration.json"]) {
      expect(existsSync(join(adapterDir, file))).toBe(true);
    }

    // A rerun answers from the cache: no new LM call is paid for.
    const again = await runCli(adaptArgs(join(directory, "adapter-again"), "--json", ...lmFlags()));
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout).probe.cacheHits).toBe(90);

    const predicted = await runCli([
      "predict",
      "--adapter",
      adapterDir,
      "--json",
      ...lmFlags(),
      "is the forecast rain today?",
      "the coach said the team will score a goal",
    ]);
    expect(predicted.status).toBe(0);
    const lines = predicted.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(2);
    expect(lines[1].label).toBe("sports");

    const reportDir = join(directory, "report");
    const evaluated = await runCli([
      "eval",
      "--adapter",
      adapterDir,
      "--test",
      join(topicsDir, "test.csv"),
      "--out",
      reportDir,
      "--json",
      ...lmFlags(),
    ]);
    expect(evaluated.status).toBe(0);
    const report = JSON.parse(evaluated.stdout);
    const system = (id: string) => report.systems.find((entry: { id: string }) => entry.id === id);
    expect(system("lm").lmShare).toBe(1);
    expect(system("ssm").lmShare).toBe(0);
    expect(system("oracle").accuracy).toBeGreaterThanOrEqual(system("adapted").accuracy);
    expect(system("adapted").accuracy).toBeGreaterThanOrEqual(system("lm").accuracy - 0.005);
    for (const file of ["report.json", "report.md", "report.html", "operating-curve.svg"]) {
      expect(existsSync(join(reportDir, file))).toBe(true);
    }
    expect(await readFile(join(reportDir, "report.md"), "utf8")).toContain("LM alone");

    // A budget that runs out stops eval with a plain message instead of scoring the rows never asked.
    const budgeted = await runCli([
      "eval",
      "--adapter",
      adapterDir,
      "--test",
      join(topicsDir, "test.csv"),
      "--lm-base-url",
      server.url,
      "--lm-model",
      "llm",
      "--cache",
      join(directory, "budget-cache.sqlite"),
      "--max-calls",
      "3",
    ]);
    expect(budgeted.status).toBe(1);
    expect(budgeted.stderr).toContain("evaluation stopped: the LM budget is spent");
    expect(budgeted.stderr).toContain("asked about 3 of");
    expect(budgeted.stdout).not.toContain("LM alone");
  }, 120_000);
});

describe("the sentence encoder through the CLI", () => {
  it("adapts with --encoder use-lite (vectors cached in --embedding-cache) and predicts with it", async () => {
    const adapterDir = join(directory, "adapter-encoder");
    const embeddingCache = join(directory, "embeddings.sqlite");
    const adapted = await runCli(
      adaptArgs(
        adapterDir,
        "--encoder",
        "use-lite",
        "--embedding-cache",
        embeddingCache,
        "--json",
        ...lmFlags(),
      ),
    );
    expect(adapted.stderr).not.toContain("unexpected error");
    expect(adapted.status).toBe(0);
    const summary = JSON.parse(adapted.stdout);
    expect(summary.smallModel).toBe("ngram-embedding-blend");
    expect(summary.seconds.encode).toBeGreaterThan(0);
    expect(existsSync(embeddingCache)).toBe(true);
    const predicted = await runCli([
      "predict",
      "--adapter",
      adapterDir,
      "--json",
      "the coach said the team will score a goal",
    ]);
    expect(predicted.stderr).not.toContain("unexpected error");
    expect(predicted.status).toBe(0);
    expect(JSON.parse(predicted.stdout.trim()).label).toBe("sports");
  }, 120_000);

  it("refuses an unknown encoder with a usage error", async () => {
    const result = await runCli(adaptArgs(join(directory, "never"), "--encoder", "word2vec", ...lmFlags()));
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("--encoder must be one of: none, use-lite");
    const noWorkers = await runCli(
      adaptArgs(join(directory, "never"), "--encoder", "use-lite", "--encoder-workers", "0", ...lmFlags()),
    );
    expect(noWorkers.status).toBe(2);
    expect(noWorkers.stderr).toContain("--encoder-workers must be a whole number from 1");
  }, 60_000);
});

describe("CLI errors", () => {
  it("exits 2 when required flags are missing or conflict", async () => {
    const missing = await runCli(["adapt", "--task", join(topicsDir, "task.json"), "--lm-model", "x"]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("--train FILE is required");
    const both = await runCli([
      "adapt",
      "--task",
      "t.json",
      "--train",
      "a.csv",
      "--calib",
      "b.csv",
      "--out",
      "o",
      "--max-lm-share",
      "0.1",
      "--lm-cost",
      "0.05",
      "--lm-model",
      "x",
    ]);
    expect(both.status).toBe(2);
    expect(both.stderr).toContain("either --max-lm-share or --lm-cost");
  }, 60_000);

  it("exits 1 with a clear message on a bad file", async () => {
    const broken = join(directory, "broken.csv");
    await writeFile(broken, "text,label\nhello,weather\n,sports\n");
    const result = await runCli(topicsAdaptArgs(join(directory, "never"), { train: broken }, ...lmFlags()));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("broken.csv");
    expect(result.stderr).toContain("row 2");
    expect(result.stderr).not.toContain("    at ");

    const notAnAdapter = await runCli(["predict", "--adapter", directory, "hello"]);
    expect(notAnAdapter.status).toBe(1);
    expect(notAnAdapter.stderr).toContain("manifest");
  }, 60_000);

  // An LM nobody listens at: a call there fails at once (nothing is paid for).
  const unreachableLm = ["--lm-base-url", "http://127.0.0.1:9/v1", "--lm-model", "llm", "--no-cache"];

  it("refuses a wrong --out and a training file without labels before asking the LM anything", async () => {
    const file = join(directory, "a-file.txt");
    await writeFile(file, "hello\n");
    const onFile = await runCli(adaptArgs(file, ...unreachableLm));
    expect(onFile.status).toBe(2);
    expect(onFile.stderr).toContain(`--out ${file} is a file, not a folder`);
    const underFile = await runCli(adaptArgs(join(file, "adapter"), ...unreachableLm));
    expect(underFile.status).toBe(2);
    expect(underFile.stderr).toContain(`${file} is a file, not a folder`);

    const textOnly = join(directory, "text-only.csv");
    await writeFile(textOnly, "text\nwill it rain tomorrow\nwho won the match\n");
    const unlabelled = await runCli(
      topicsAdaptArgs(join(directory, "never-unlabelled"), { train: textOnly }, ...unreachableLm),
    );
    expect(unlabelled.status).toBe(1);
    expect(unlabelled.stderr).toContain('no training row has a label in column "label"');
    expect(unlabelled.stderr).toContain("--probe-train");
    expect(unlabelled.stderr).not.toContain("    at ");
  }, 60_000);

  it("stops adapt when the LM cannot be reached, naming it, and writes no adapter", async () => {
    const out = join(directory, "never-unreachable");
    const result = await runCli(adaptArgs(out, ...unreachableLm, "--max-retries", "0"));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("LM calls in a row failed");
    expect(result.stderr).toContain("http://127.0.0.1:9/v1");
    expect(result.stderr).not.toContain("    at ");
    expect(existsSync(join(out, "manifest.json"))).toBe(false);
  }, 60_000);
});
