import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { largeModelFromOptions } from "../../src/cli/lm-options.js";
import { BudgetExceededError, LargeModelAuthenticationError } from "../../src/large-models/errors/index.js";
import { probe } from "../../src/probe/probe.js";
import { ProbeStoppedError } from "../../src/probe/probe-stopped-error.js";
import { type ReplayServer, startReplayServer } from "../../src/replay/replay-server.js";
import type { Task } from "../../src/spec/task.js";
import { chatCompletionBody, type ScriptedServer, startScriptedServer } from "../support/scripted-server.js";

const task: Task = { name: "colours", labels: ["red", "green", "blue"] };
const recorded = Array.from({ length: 60 }, (_, index) => ({
  text: `text number ${index}`,
  answer: index % 10 === 9 ? "" : (["red", "green", "blue"][index % 3] as string),
}));
const texts = recorded.map((row) => row.text);

let folder: string;
let replay: ReplayServer;
let scripted: ScriptedServer | undefined;
beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), "probe-library-"));
  replay = await startReplayServer({ answers: recorded, latencyMs: 2 });
});
afterAll(async () => {
  await replay.close();
  rmSync(folder, { recursive: true, force: true });
});
afterEach(async () => {
  await scripted?.close();
  scripted = undefined;
});

const lmOptions = (url: string, extra: Record<string, unknown> = {}) => ({
  lmBaseUrl: url,
  lmModel: "replay",
  retryBaseDelayMs: "1",
  cache: false,
  ...extra,
});

describe("probe()", () => {
  it("keeps input order, parses labels, records off-label answers raw, and reports progress", async () => {
    const setup = largeModelFromOptions(lmOptions(replay.url), {});
    const progress: number[] = [];
    const result = await probe(texts, task, setup.model, {
      concurrency: 5,
      onProgress: ({ done, total }) => {
        expect(total).toBe(60);
        progress.push(done);
      },
    });
    result.rows.forEach((row, index) => {
      const expected = recorded[index]!.answer;
      if (expected === "") {
        expect(row).toMatchObject({ status: "unparseable", cached: false });
        expect(row.label).toBeUndefined();
        expect(row.raw).toContain("not sure");
      } else {
        expect(row).toEqual({ label: expected, raw: expected, status: "answered", cached: false });
      }
    });
    expect(result.stats).toMatchObject({ rows: 60, answered: 54, unparseable: 6, failed: 0, cacheHits: 0 });
    expect(progress.at(-1)).toBe(60);
    setup.close();
  });

  it("records rows that fail after retries, and again on their second chance, as failed with the error, and goes on", async () => {
    scripted = await startScriptedServer([], (request) => {
      const body = JSON.parse(request.body);
      const text: string = body.messages.at(-1).content;
      if (text.endsWith("3")) return { status: 500, body: { error: { message: "always broken" } } };
      return { status: 200, body: chatCompletionBody("green") };
    });
    const setup = largeModelFromOptions(lmOptions(`${scripted.origin}/v1`, { maxRetries: "2" }), {});
    const result = await probe(texts, task, setup.model, { concurrency: 4, secondChanceDelayMs: 1 });
    const failing = texts.filter((text) => text.endsWith("3")).length;
    expect(result.stats.failed).toBe(failing);
    expect(result.stats.secondChances).toBe(failing);
    expect(result.stats.answered).toBe(60 - failing);
    const failed = result.rows[3]!;
    expect(failed.status).toBe("failed");
    expect(failed.label).toBeUndefined();
    expect(failed.error).toContain("LargeModelHttpError");
    expect(failed.raw).toContain("500");
    // Three attempts on the first chance, three more on the second.
    expect(setup.stats().httpCalls).toBe(60 - failing + 2 * 3 * failing);
    setup.close();
  });

  it("stops when the LM stops answering (calls failing in a row), naming the last error", async () => {
    // Answers the first 10 requests, then fails every call, as a server that went down would.
    scripted = await startScriptedServer([], (request) =>
      request.url.endsWith("/chat/completions") && scriptedCount() <= 10
        ? { status: 200, body: chatCompletionBody("green") }
        : { status: 404, body: { error: { message: "no such route" } } },
    );
    const scriptedCount = () => scripted?.requests.length ?? 0;
    const setup = largeModelFromOptions(lmOptions(`${scripted.origin}/v1`, { maxRetries: "0" }), {});
    const error = await probe(texts, task, setup.model, { concurrency: 1, maxConsecutiveFailures: 5 }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ProbeStoppedError);
    const stopped = error as ProbeStoppedError;
    expect(stopped.reason).toBe("failing");
    expect(stopped.message).toContain("5 LM calls in a row failed");
    expect(stopped.message).toContain("404");
    // 10 answered, 5 failed, then no more calls.
    expect(stopped.rows.filter((row) => row?.status === "answered")).toHaveLength(10);
    expect(stopped.rows.filter((row) => row?.status === "failed")).toHaveLength(5);
    expect(scripted.requests).toHaveLength(15);
    setup.close();
  });

  it("stops at an authentication failure, saying which env var held the key", async () => {
    scripted = await startScriptedServer([], { status: 401, body: { error: { message: "bad key" } } });
    const setup = largeModelFromOptions(
      lmOptions(`${scripted.origin}/v1`, { lmApiKeyEnv: "PROBE_TEST_KEY" }),
      {
        PROBE_TEST_KEY: "sk-wrong",
      },
    );
    const error = await probe(texts, task, setup.model, { concurrency: 4 }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ProbeStoppedError);
    const stopped = error as ProbeStoppedError;
    expect(stopped.reason).toBe("authentication");
    expect(stopped.cause).toBeInstanceOf(LargeModelAuthenticationError);
    expect(stopped.message).toContain("PROBE_TEST_KEY");
    expect(stopped.unanswered).toBe(60);
    expect(scripted.requests.length).toBeLessThanOrEqual(4);
    setup.close();
  });

  it("stops cleanly when the budget runs out, keeping the paid answers in the cache for a rerun", async () => {
    const cache = join(folder, "budget-cache.sqlite");
    const limited = largeModelFromOptions(
      lmOptions(replay.url, { cache, maxCalls: "25", concurrency: "4" }),
      {},
    );
    const error = await probe(texts, task, limited.model, { concurrency: 4 }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ProbeStoppedError);
    const stopped = error as ProbeStoppedError;
    expect(stopped.reason).toBe("budget");
    expect(stopped.cause).toBeInstanceOf(BudgetExceededError);
    expect(stopped.unanswered).toBe(35);
    expect(stopped.rows.filter((row) => row !== undefined)).toHaveLength(25);
    expect(stopped.message).toContain("35 of 60 rows left unanswered");
    expect(limited.stats().httpCalls).toBe(25);
    limited.close();

    const rerun = largeModelFromOptions(lmOptions(replay.url, { cache }), {});
    const result = await probe(texts, task, rerun.model, { concurrency: 4 });
    expect(rerun.stats().httpCalls).toBe(35);
    expect(result.stats.cacheHits).toBe(25);
    rerun.close();
  });

  it("stops when the caller aborts", async () => {
    const setup = largeModelFromOptions(lmOptions(replay.url), {});
    const controller = new AbortController();
    const error = await probe(texts, task, setup.model, {
      concurrency: 2,
      signal: controller.signal,
      onProgress: ({ done }) => {
        if (done === 10) controller.abort();
      },
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProbeStoppedError);
    expect((error as ProbeStoppedError).reason).toBe("aborted");
    expect((error as ProbeStoppedError).unanswered).toBeGreaterThanOrEqual(40);
    setup.close();
  });

  it("returns an empty result for no texts", async () => {
    const setup = largeModelFromOptions(lmOptions(replay.url), {});
    const result = await probe([], task, setup.model);
    expect(result.rows).toEqual([]);
    expect(result.stats.rows).toBe(0);
    setup.close();
  });
});
