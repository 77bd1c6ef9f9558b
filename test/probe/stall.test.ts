import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { Command } from "commander";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { registerAdaptCommand } from "../../src/cli/commands/adapt-command.js";
import { registerProbeCommand } from "../../src/cli/commands/probe-command.js";
import { largeModelFromOptions } from "../../src/cli/lm-options.js";
import { probeLimitsFromOptions } from "../../src/cli/probe-options.js";
import { loadRecordedAnswers } from "../../src/data/recorded-answers.js";
import { probe } from "../../src/probe/probe.js";
import { ProbeStoppedError } from "../../src/probe/probe-stopped-error.js";
import { defaultStallTimeoutMs } from "../../src/probe/stall-watch.js";
import { type ReplayServer, startReplayServer } from "../../src/replay/replay-server.js";
import type { LargeModel } from "../../src/spec/large-model.js";
import type { Task } from "../../src/spec/task.js";
import { runCli } from "../support/run-cli.js";
import { chatCompletionBody, type ScriptedServer, startScriptedServer } from "../support/scripted-server.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const fixtures = join(repoRoot, "test", "fixtures", "lm");
const dataFile = join(fixtures, "colours.csv");
const taskFile = join(fixtures, "task.json");
const task: Task = JSON.parse(readFileSync(taskFile, "utf8"));

let folder: string;
let hanging: ScriptedServer | undefined;
beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), "probe-stall-"));
});
afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});
afterEach(async () => {
  vi.useRealTimers();
  await hanging?.close();
  hanging = undefined;
});

/** An upstream that answers its first `answered` requests, then accepts every request and never answers. */
function startHangingUpstream(answered: number): Promise<ScriptedServer> {
  const script = Array.from({ length: answered }, () => ({ status: 200, body: chatCompletionBody("red") }));
  return startScriptedServer(script, "hang");
}

function cachedAnswers(cacheFile: string): number {
  const database = new Database(cacheFile, { readonly: true, fileMustExist: true });
  try {
    return Number(database.prepare("SELECT count(*) FROM answers").pluck().get());
  } finally {
    database.close();
  }
}

describe("a probe against an upstream that never answers", () => {
  it("gives up after the stall timeout, cancelling the calls in flight, and keeps the answers received", async () => {
    hanging = await startHangingUpstream(3);
    const setup = largeModelFromOptions(
      { lmBaseUrl: `${hanging.origin}/v1`, lmModel: "m", cache: false },
      {},
    );
    const texts = Array.from({ length: 20 }, (_, index) => `text ${index}`);
    const started = performance.now();
    const error = await probe(texts, task, setup.model, { concurrency: 4, stallTimeoutMs: 300 }).catch(
      (caught: unknown) => caught,
    );
    setup.close();
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(error).toBeInstanceOf(ProbeStoppedError);
    const stopped = error as ProbeStoppedError;
    expect(stopped.reason).toBe("stalled");
    expect(stopped.message).toContain("no LM call finished (answered or failed) in 0.3 s");
    expect(stopped.rows.filter((row) => row?.status === "answered")).toHaveLength(3);
    expect(stopped.unanswered).toBe(17);
    // 3 answered, then one hanging call per worker: none asked after the stall.
    expect(hanging.requests).toHaveLength(7);
  });

  it("waits for a slow upstream that keeps answering within the stall timeout", async () => {
    let calls = 0;
    const slow: LargeModel = {
      id: "slow",
      complete: async () => {
        calls++;
        await new Promise((resolve) => setTimeout(resolve, 60));
        return { text: "green", usage: { promptTokens: 1, completionTokens: 1 }, cached: false };
      },
    };
    const texts = Array.from({ length: 10 }, (_, index) => `text ${index}`);
    const result = await probe(texts, task, slow, { concurrency: 1, stallTimeoutMs: 200 });
    expect(result.stats).toMatchObject({ rows: 10, answered: 10 });
    expect(calls).toBe(10);
  });

  it("stalls after defaultStallTimeoutMs (under a minute) when no stall timeout is given", async () => {
    expect(defaultStallTimeoutMs).toBeGreaterThan(0);
    expect(defaultStallTimeoutMs).toBeLessThan(60_000);
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const never: LargeModel = {
      id: "never",
      complete: (_request, options) =>
        new Promise((_resolve, reject) => {
          options?.signal?.addEventListener("abort", () => reject(options.signal?.reason));
        }),
    };
    let settled = false;
    const probing = probe(["a", "b"], task, never).finally(() => {
      settled = true;
    });
    probing.catch(() => {});
    await vi.advanceTimersByTimeAsync(defaultStallTimeoutMs - 1);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await expect(probing).rejects.toMatchObject({ reason: "stalled" });
  });
});

describe("the stall timeout on the command line", () => {
  it("is under a minute by default on probe and adapt", () => {
    const program = new Command();
    registerProbeCommand(program);
    registerAdaptCommand(program);
    for (const name of ["probe", "adapt"]) {
      const command = program.commands.find((candidate) => candidate.name() === name)!;
      const option = command.options.find((candidate) => candidate.long === "--stall-timeout-ms");
      expect(option, name).toBeDefined();
      const limits = probeLimitsFromOptions(
        { stallTimeoutMs: option!.defaultValue },
        { retryBaseDelayMs: 500 },
      );
      expect(limits.stallTimeoutMs).toBe(defaultStallTimeoutMs);
      expect(limits.stallTimeoutMs).toBeLessThan(60_000);
    }
    expect(probeLimitsFromOptions({}, { retryBaseDelayMs: 500 }).stallTimeoutMs).toBe(defaultStallTimeoutMs);
  });

  it("probe exits 1 with the clear error and no stack trace, and a rerun pays only for the rows left", async () => {
    hanging = await startHangingUpstream(3);
    const cache = join(folder, "stalled.sqlite");
    const args = (url: string, model: string) => [
      ...["probe", "--task", taskFile, "--data", dataFile, "--out", join(folder, "stalled.csv")],
      ...["--cache", cache, "--json", "--concurrency", "4", "--lm-base-url", url, "--lm-model", model],
    ];
    const env = { env: { OPENAI_API_KEY: "" }, cwd: folder };
    const started = performance.now();
    const result = await runCli(
      [...args(`${hanging.origin}/v1`, "model_a"), "--stall-timeout-ms", "1000"],
      env,
    );
    expect(performance.now() - started).toBeLessThan(30_000);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("probe stopped: no LM call finished (answered or failed) in 1 s");
    expect(result.stderr).toContain("37 of 40 rows left unanswered");
    expect(result.stderr).not.toContain("    at ");
    expect(JSON.parse(result.stdout)).toMatchObject({ stopped: "stalled", rows: 40, unanswered: 37 });
    expect(cachedAnswers(cache)).toBe(3);

    const replay: ReplayServer = await startReplayServer({
      answers: await loadRecordedAnswers([dataFile], "model_a"),
      model: "model_a",
    });
    try {
      const rerun = await runCli(args(replay.url, "model_a"), env);
      expect(rerun.status).toBe(0);
      expect(JSON.parse(rerun.stdout)).toMatchObject({ rows: 40, httpCalls: 37, cacheHits: 3 });
    } finally {
      await replay.close();
    }
  });

  it("refuses a stall timeout that is not a whole number", () => {
    expect(() => probeLimitsFromOptions({ stallTimeoutMs: "soon" }, { retryBaseDelayMs: 500 })).toThrow(
      "--stall-timeout-ms must be a whole number",
    );
    expect(probeLimitsFromOptions({ stallTimeoutMs: "0" }, { retryBaseDelayMs: 1 })).toEqual({
      stallTimeoutMs: 0,
      secondChanceDelayMs: 4,
    });
  });
});
