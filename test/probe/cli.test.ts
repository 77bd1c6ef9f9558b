import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadRecordedAnswers, type RecordedAnswer } from "../../src/data/recorded-answers.js";
import { type ReplayServer, startReplayServer } from "../../src/replay/replay-server.js";
import { type CliOptions, runCli, startCli } from "../support/run-cli.js";
import { type ScriptedServer, startScriptedServer } from "../support/scripted-server.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const fixtures = join(repoRoot, "test", "fixtures", "lm");
const dataFile = join(fixtures, "colours.csv");
const taskFile = join(fixtures, "task.json");

/** The CLI's options for these tests: run from the repo unless told, never with the shell's OpenAI key. */
function cliOptions(options: CliOptions = {}): CliOptions {
  return { cwd: repoRoot, ...options, env: { OPENAI_API_KEY: "", ...options.env } };
}

/** `probe --task … --data …` over the colours fixture, then `rest`. */
function probeArgs(...rest: string[]): string[] {
  return ["probe", "--task", taskFile, "--data", dataFile, ...rest];
}

function readAnswers(file: string): Array<Record<string, string>> {
  return parse(readFileSync(file, "utf8"), { columns: true });
}

let folder: string;
let recorded: RecordedAnswer[];
let server: ReplayServer;
beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), "probe-cli-"));
  recorded = await loadRecordedAnswers([dataFile], "model_a");
  server = await startReplayServer({ answers: recorded, model: "model_a" });
});
afterAll(async () => {
  await server.close();
  rmSync(folder, { recursive: true, force: true });
});

const lmFlags = () => ["--lm-base-url", server.url, "--lm-model", "model_a", "--retry-base-delay-ms", "1"];

describe("easy-adapt probe", () => {
  it("writes answers.csv in input order and prints the JSON summary; a rerun in the same folder costs nothing", async () => {
    const out = join(folder, "answers.csv");
    const args = probeArgs("--out", out, "--json", "--concurrency", "4", ...lmFlags());
    const first = await runCli(args, cliOptions({ cwd: folder }));
    expect(first.status).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(summary).toEqual({
      rows: 40,
      answered: 36,
      unparseable: 4,
      failed: 0,
      httpCalls: 40,
      cacheHits: 0,
      emptyReplies: 0,
      secondChances: 0,
      seconds: expect.any(Number),
    });
    const written = readAnswers(out);
    expect(written.map((row) => row.text)).toEqual(recorded.map((row) => row.text));
    expect(written.map((row) => row.answer)).toEqual(recorded.map((row) => row.answer));
    expect(written[7]!.raw).toContain("not sure");
    expect(written[0]!.raw).toBe("red");
    expect(existsSync(join(folder, ".easy-adapt", "cache.sqlite"))).toBe(true);

    const second = await runCli(args, cliOptions({ cwd: folder }));
    expect(second.status).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ rows: 40, answered: 36, httpCalls: 0, cacheHits: 40 });
  });

  it("--dry-run prints calls, tokens and cost and sends nothing", async () => {
    const counting: ScriptedServer = await startScriptedServer([]);
    try {
      const result = await runCli(
        probeArgs(
          "--dry-run",
          "--no-cache",
          "--lm-base-url",
          `${counting.origin}/v1`,
          "--lm-model",
          "m",
          "--price-input-per-mtok",
          "2.5",
          "--price-output-per-mtok",
          "10",
          "--max-calls",
          "30",
        ),
        cliOptions(),
      );
      expect(result.status).toBe(0);
      expect(result.stdout).toContain("--max-calls 30 would stop the work after 30 of 40 calls");
      expect(result.stdout).toMatch(
        /dry run: 40 LM calls .* prompt tokens .* output tokens, ~\$0\.\d+; nothing was spent/,
      );
      expect(counting.requests).toHaveLength(0);
    } finally {
      await counting.close();
    }
  });

  it("stops at the budget: exit 1, says how many rows were left, and a rerun pays only for those", async () => {
    const cache = join(folder, "budget.sqlite");
    const out = join(folder, "budget-answers.csv");
    const base = probeArgs("--out", out, "--cache", cache, "--json", ...lmFlags());
    const stopped = await runCli([...base, "--max-calls", "15", "--concurrency", "3"], cliOptions());
    expect(stopped.status).toBe(1);
    expect(stopped.stderr).toContain("budget");
    expect(stopped.stderr).toContain("25 of 40 rows left unanswered");
    expect(JSON.parse(stopped.stdout)).toMatchObject({ stopped: "budget", unanswered: 25, httpCalls: 15 });
    const rerun = await runCli(base, cliOptions());
    expect(rerun.status).toBe(0);
    expect(JSON.parse(rerun.stdout)).toMatchObject({ rows: 40, httpCalls: 25, cacheHits: 15 });
  });

  it("writes failed rows with the error in raw and exits 1", async () => {
    const failing: ScriptedServer = await startScriptedServer([], (request) => {
      const text: string = JSON.parse(request.body).messages.at(-1).content;
      // A few isolated failures (rows 3, 13, 23, 33): a streak of them would stop the probe.
      return text.endsWith("3")
        ? { status: 503, body: { error: { message: "down" } } }
        : { status: 200, body: { choices: [{ message: { role: "assistant", content: "blue" } }] } };
    });
    try {
      const out = join(folder, "failed.csv");
      const result = await runCli(
        probeArgs(
          "--out",
          out,
          "--no-cache",
          "--json",
          "--max-retries",
          "1",
          "--retry-base-delay-ms",
          "1",
          "--lm-base-url",
          `${failing.origin}/v1`,
          "--lm-model",
          "m",
        ),
        cliOptions(),
      );
      expect(result.status).toBe(1);
      const failedCount = recorded.filter((row) => row.text.endsWith("3")).length;
      expect(JSON.parse(result.stdout)).toMatchObject({
        rows: 40,
        failed: failedCount,
        answered: 40 - failedCount,
      });
      expect(result.stderr).toContain(`${failedCount} of 40 rows failed`);
      const written = readAnswers(out);
      const failedIndex = recorded.findIndex((row) => row.text.endsWith("3"));
      expect(written[failedIndex]).toMatchObject({ answer: "" });
      expect(written[failedIndex]!.raw).toContain("503");
      expect(written[0]).toMatchObject({ answer: "blue", raw: "blue" });
    } finally {
      await failing.close();
    }
  });

  it("exits 1 on an authentication failure, naming the variable that held the key", async () => {
    const refusing: ScriptedServer = await startScriptedServer([], {
      status: 401,
      body: { error: { message: "no" } },
    });
    try {
      const result = await runCli(
        probeArgs(
          ...["--out", join(folder, "x.csv"), "--no-cache"],
          ...[
            "--lm-base-url",
            `${refusing.origin}/v1`,
            "--lm-model",
            "m",
            "--lm-api-key-env",
            "PROBE_CLI_KEY",
          ],
        ),
        cliOptions({ env: { PROBE_CLI_KEY: "sk-bad" } }),
      );
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("PROBE_CLI_KEY");
      expect(result.stderr).not.toContain("    at ");
      expect(refusing.requests.length).toBeLessThanOrEqual(8);
    } finally {
      await refusing.close();
    }
  });

  it("exits 2 with a clear message on a bad flag value (all value checks: lm-options.test.ts)", async () => {
    const base = probeArgs("--out", join(folder, "y.csv"), "--lm-model", "m");
    const emptyKey = await runCli(
      [...base, "--lm-api-key-env", "PROBE_EMPTY_KEY"],
      cliOptions({ env: { PROBE_EMPTY_KEY: "" } }),
    );
    expect(emptyKey.status).toBe(2);
    expect(emptyKey.stderr).toContain("PROBE_EMPTY_KEY");
    expect(emptyKey.stderr).not.toContain("    at ");
  });
});

describe("a probe killed with SIGKILL", () => {
  it("resumes without paying again for any answer it had received", async () => {
    const slow = await startReplayServer({ answers: recorded, latencyMs: 60 });
    try {
      const cache = join(folder, "killed.sqlite");
      const args = probeArgs(
        ...["--out", join(folder, "killed.csv"), "--cache", cache, "--json"],
        ...["--concurrency", "2", "--lm-base-url", slow.url, "--lm-model", "model_a"],
      );
      const child = startCli(args, cliOptions());
      const exited = new Promise((resolve) => child.on("close", resolve));
      let stored = 0;
      for (let attempt = 0; attempt < 600 && stored < 10; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        if (!existsSync(cache)) continue;
        try {
          const database = new Database(cache, { readonly: true, fileMustExist: true });
          stored = Number(database.prepare("SELECT count(*) FROM answers").pluck().get());
          database.close();
        } catch {
          stored = 0;
        }
      }
      child.kill("SIGKILL");
      await exited;
      const database = new Database(cache, { readonly: true });
      const kept = Number(database.prepare("SELECT count(*) FROM answers").pluck().get());
      database.close();
      expect(kept).toBeGreaterThanOrEqual(10);
      expect(kept).toBeLessThan(40);

      const rerun = await runCli(
        args.map((arg) => (arg === slow.url ? server.url : arg)),
        cliOptions(),
      );
      expect(rerun.status).toBe(0);
      const summary = JSON.parse(rerun.stdout);
      expect(summary.httpCalls).toBe(40 - kept);
      expect(summary.cacheHits).toBe(kept);
    } finally {
      await slow.close();
    }
  });
});
