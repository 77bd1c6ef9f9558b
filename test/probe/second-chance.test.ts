import { describe, expect, it } from "vitest";
import {
  BudgetExceededError,
  LargeModelAuthenticationError,
  LargeModelHttpError,
} from "../../src/large-models/errors/index.js";
import { createRetryingModel } from "../../src/large-models/retrying-model.js";
import { probe } from "../../src/probe/probe.js";
import { ProbeStoppedError } from "../../src/probe/probe-stopped-error.js";
import type { Completion, CompletionRequest, LargeModel } from "../../src/spec/large-model.js";
import type { Task } from "../../src/spec/task.js";

const task: Task = { name: "colours", labels: ["red", "green", "blue"] };
const texts = ["row a", "row b", "row c", "row d"];

/** What the fake LM does with one call of a row: answer a label, or throw an error. */
type Step = string | Error;

/** A fake LM in process: the n-th call about a text gets `script(text, n)`; every call is logged. */
function scriptedModel(
  script: (text: string, call: number) => Step | Promise<Step>,
): LargeModel & { calls: string[] } {
  const calls: string[] = [];
  const perText = new Map<string, number>();
  return {
    id: "fake",
    calls,
    async complete(request: CompletionRequest, options?: { signal?: AbortSignal }): Promise<Completion> {
      if (options?.signal?.aborted) throw options.signal.reason;
      const prompt = request.messages.at(-1)!.content;
      const row = texts.find((text) => prompt.includes(text)) ?? prompt;
      const call = (perText.get(row) ?? 0) + 1;
      perText.set(row, call);
      calls.push(row);
      await Promise.resolve();
      const step = await script(row, call);
      if (step instanceof Error) throw step;
      return { text: step, usage: { promptTokens: 1, completionTokens: 1 }, cached: false };
    },
  };
}

const serverError = () => new LargeModelHttpError("HTTP 500 from the LM", { status: 500 });

/** The fake LM behind the retry wrapper (one retry, no wait): each chance makes two calls. */
function withOneRetry(model: LargeModel): LargeModel {
  return createRetryingModel(model, { maxRetries: 1, sleep: async () => {} });
}

describe("a probe's second chance for rows that failed after their retries", () => {
  it("asks a failed row again after every first chance, and keeps its answer when it comes", async () => {
    // row b fails twice (its first chance, with its retry), then answers on its second chance.
    const model = scriptedModel((row, call) => (row === "row b" && call <= 2 ? serverError() : "green"));
    const result = await probe(texts, task, withOneRetry(model), { concurrency: 1, secondChanceDelayMs: 0 });
    expect(result.stats).toMatchObject({ rows: 4, answered: 4, failed: 0, secondChances: 1 });
    expect(result.rows[1]).toEqual({ label: "green", raw: "green", status: "answered", cached: false });
    expect(model.calls).toEqual(["row a", "row b", "row b", "row c", "row d", "row b"]);
  });

  it("counts a row failing on both chances as failed exactly once, with its error", async () => {
    const model = scriptedModel((row) => (row === "row c" ? serverError() : "red"));
    const result = await probe(texts, task, withOneRetry(model), { concurrency: 2, secondChanceDelayMs: 0 });
    expect(result.stats).toMatchObject({ rows: 4, answered: 3, failed: 1, secondChances: 1 });
    expect(result.rows[2]).toMatchObject({ status: "failed", cached: false });
    expect(result.rows[2]!.error).toContain("HTTP 500");
    expect(model.calls.filter((row) => row === "row c")).toHaveLength(4);
  });

  it("gives no second chance to an error that will not pass (a 400)", async () => {
    const model = scriptedModel((row) =>
      row === "row a" ? new LargeModelHttpError("HTTP 400: bad request", { status: 400 }) : "blue",
    );
    const result = await probe(texts, task, withOneRetry(model), { concurrency: 1, secondChanceDelayMs: 0 });
    expect(result.stats).toMatchObject({ answered: 3, failed: 1, secondChances: 0 });
    expect(model.calls.filter((row) => row === "row a")).toHaveLength(1);
  });

  it("waits at least the delay after the failure before the second chance", async () => {
    const times: number[] = [];
    const model = scriptedModel((row, call) => {
      if (row === "row d") times.push(performance.now());
      return row === "row d" && call === 1 ? new LargeModelHttpError("HTTP 503", { status: 503 }) : "red";
    });
    const result = await probe(texts, task, model, { concurrency: 4, secondChanceDelayMs: 150 });
    expect(result.stats).toMatchObject({ answered: 4, failed: 0, secondChances: 1 });
    expect(times).toHaveLength(2);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(140);
  });

  it("stops at once when the budget runs out or the key is refused on a second chance", async () => {
    for (const stop of [
      { error: new BudgetExceededError("calls", 5), reason: "budget" },
      { error: new LargeModelAuthenticationError({ status: 401 }), reason: "authentication" },
    ]) {
      const model = scriptedModel((row, call) => {
        if (row === "row a" || row === "row b") return call === 1 ? serverError() : stop.error;
        return "green";
      });
      const error = await probe(texts, task, model, { concurrency: 1, secondChanceDelayMs: 0 }).catch(
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(ProbeStoppedError);
      expect((error as ProbeStoppedError).reason).toBe(stop.reason);
      // row a's second chance met the stop: row b's second chance was never asked.
      expect(model.calls).toEqual(["row a", "row b", "row c", "row d", "row a"]);
      // Both failures stay recorded as failed (a rerun asks them again; they are not in the cache).
      expect((error as ProbeStoppedError).rows.map((row) => row?.status)).toEqual([
        "failed",
        "failed",
        "answered",
        "answered",
      ]);
    }
  });

  it("stops at once on the budget while another row waits for its second chance", async () => {
    const model = scriptedModel((row) => {
      if (row === "row a") return serverError();
      if (row !== "row d") return "blue";
      // The budget runs out while row a already waits for its second chance.
      return new Promise<Step>((resolve) =>
        setTimeout(() => resolve(new BudgetExceededError("calls", 3)), 100),
      );
    });
    const started = performance.now();
    const error = await probe(texts, task, model, { concurrency: 2, secondChanceDelayMs: 60_000 }).catch(
      (caught: unknown) => caught,
    );
    expect(performance.now() - started).toBeLessThan(5_000);
    expect((error as ProbeStoppedError).reason).toBe("budget");
    expect(model.calls.filter((row) => row === "row a")).toHaveLength(1);
  });

  it("stops at once when the caller aborts while a row waits for its second chance", async () => {
    const model = scriptedModel((row) => (row === "row a" ? serverError() : "red"));
    const controller = new AbortController();
    const started = performance.now();
    const probing = probe(texts, task, model, {
      concurrency: 2,
      secondChanceDelayMs: 60_000,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    const error = await probing.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProbeStoppedError);
    expect((error as ProbeStoppedError).reason).toBe("aborted");
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(model.calls.filter((row) => row === "row a")).toHaveLength(1);
  });
});
