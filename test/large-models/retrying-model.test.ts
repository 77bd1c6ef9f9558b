import { describe, expect, it } from "vitest";
import { LargeModelHttpError, LargeModelResponseError } from "../../src/large-models/errors/index.js";
import { createRetryingModel, type RetryOptions } from "../../src/large-models/retrying-model.js";
import type { CompletionRequest, LargeModel } from "../../src/spec/large-model.js";

const request: CompletionRequest = {
  messages: [{ role: "user", content: "x" }],
  temperature: 0,
  maxTokens: 4,
};

/** A local model that throws the scripted errors in turn, then answers. */
function failingModel(errors: Error[]): LargeModel & { calls: number } {
  const model = {
    id: "local:failing",
    calls: 0,
    async complete() {
      const error = errors[model.calls++];
      if (error !== undefined) throw error;
      return { text: "ok", usage: { promptTokens: 1, completionTokens: 1 }, cached: false };
    },
  };
  return model;
}

function retrying(inner: LargeModel, options: RetryOptions) {
  const delays: number[] = [];
  const model = createRetryingModel(inner, {
    ...options,
    sleep: async (milliseconds) => {
      delays.push(milliseconds);
    },
  });
  return { model, delays };
}

const serverError = () => new LargeModelHttpError("boom", { status: 500 });

describe("createRetryingModel", () => {
  it("doubles the delay per retry up to the cap", async () => {
    const inner = failingModel([serverError(), serverError(), serverError(), serverError()]);
    const { model, delays } = retrying(inner, {
      maxRetries: 4,
      baseDelayMs: 100,
      maxDelayMs: 300,
      random: () => 0,
    });
    expect((await model.complete(request)).text).toBe("ok");
    expect(delays).toEqual([100, 200, 300, 300]);
    expect(inner.calls).toBe(5);
  });

  it("jitters each delay down by up to a quarter", async () => {
    const inner = failingModel([serverError(), serverError()]);
    const { model, delays } = retrying(inner, { baseDelayMs: 100, random: () => 1 });
    await model.complete(request);
    expect(delays).toEqual([75, 150]);
  });

  it("waits what Retry-After asks, capped by maxRetryAfterMs", async () => {
    const inner = failingModel([
      new LargeModelHttpError("slow down", { status: 429, retryAfterMs: 1_234 }),
      new LargeModelHttpError("slow down", { status: 429, retryAfterMs: 3_600_000 }),
    ]);
    const { model, delays } = retrying(inner, { baseDelayMs: 1, maxRetryAfterMs: 60_000 });
    await model.complete(request);
    expect(delays).toEqual([1_234, 60_000]);
  });

  it("never retries non-retryable errors or foreign errors", async () => {
    for (const error of [
      new LargeModelHttpError("bad request", { status: 400 }),
      new LargeModelResponseError("not JSON"),
      new TypeError("a bug"),
    ]) {
      const inner = failingModel([error]);
      const { model, delays } = retrying(inner, { baseDelayMs: 1 });
      await expect(model.complete(request)).rejects.toBe(error);
      expect(inner.calls).toBe(1);
      expect(delays).toEqual([]);
    }
  });

  it("retries 408 and 409 too", async () => {
    const inner = failingModel([
      new LargeModelHttpError("timeout", { status: 408 }),
      new LargeModelHttpError("conflict", { status: 409 }),
    ]);
    const { model } = retrying(inner, { baseDelayMs: 1 });
    expect((await model.complete(request)).text).toBe("ok");
    expect(inner.calls).toBe(3);
  });
});
