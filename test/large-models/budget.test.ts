import { describe, expect, it } from "vitest";
import { createBudget, createBudgetedModel } from "../../src/large-models/budget.js";
import { createConcurrencyLimitedModel } from "../../src/large-models/concurrency-limited-model.js";
import { BudgetExceededError } from "../../src/large-models/errors/index.js";
import type { CompletionRequest, LargeModel } from "../../src/spec/large-model.js";

const request: CompletionRequest = {
  messages: [{ role: "user", content: "x".repeat(400) }],
  temperature: 0,
  maxTokens: 10,
};

/** A local model answering "a" with fixed usage (a real LargeModel, no network). */
function echoModel(usage = { promptTokens: 100, completionTokens: 2 }): LargeModel & { calls: number } {
  const model = {
    id: "local:echo",
    calls: 0,
    async complete() {
      model.calls++;
      return { text: "a", usage, cached: false };
    },
  };
  return model;
}

describe("the budget", () => {
  it("refuses the call after --max-calls", async () => {
    const inner = echoModel();
    const model = createBudgetedModel(inner, createBudget({ maxCalls: 2 }));
    await model.complete(request);
    await model.complete(request);
    const error = await model.complete(request).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect((error as BudgetExceededError).limit).toBe("calls");
    expect(inner.calls).toBe(2);
  });

  it("refuses a call whose worst case could pass --max-tokens", async () => {
    // worst case per call: 400/4 + 4 prompt + 10 output = 114 tokens; actual usage 102.
    const inner = echoModel();
    const budget = createBudget({ maxTokens: 250 });
    const model = createBudgetedModel(inner, budget);
    await model.complete(request);
    await model.complete(request);
    await expect(model.complete(request)).rejects.toBeInstanceOf(BudgetExceededError);
    expect(budget.spent()).toEqual({ calls: 2, promptTokens: 200, completionTokens: 4, dollars: 0 });
  });

  it("counts dollars from the prices and stops at --max-dollars", async () => {
    const inner = echoModel({ promptTokens: 1_000_000, completionTokens: 0 });
    const budget = createBudget({ maxDollars: 2.5, prices: { inputPerMillion: 1, outputPerMillion: 10 } });
    const model = createBudgetedModel(inner, budget);
    await model.complete(request);
    await model.complete(request);
    expect(budget.spent().dollars).toBeCloseTo(2);
    const error = await model
      .complete({ ...request, messages: [{ role: "user", content: "x".repeat(4_000_000) }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect((error as BudgetExceededError).limit).toBe("dollars");
  });

  it("reserves calls in flight so concurrent calls cannot overshoot", async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const inner: LargeModel = {
      id: "local:slow",
      async complete() {
        await gate;
        return { text: "a", usage: { promptTokens: 1, completionTokens: 1 }, cached: false };
      },
    };
    const model = createBudgetedModel(inner, createBudget({ maxCalls: 3 }));
    const results = Array.from({ length: 5 }, () =>
      model.complete(request).then(
        () => "ok",
        (error) => error,
      ),
    );
    release();
    const settled = await Promise.all(results);
    expect(settled.filter((result) => result === "ok")).toHaveLength(3);
    expect(settled.filter((result) => result instanceof BudgetExceededError)).toHaveLength(2);
  });

  it("releases the reservation of a failed call", async () => {
    let fail = true;
    const inner: LargeModel = {
      id: "local:flaky",
      async complete() {
        if (fail) throw new Error("boom");
        return { text: "a", usage: { promptTokens: 1, completionTokens: 1 }, cached: false };
      },
    };
    const budget = createBudget({ maxCalls: 1 });
    const model = createBudgetedModel(inner, budget);
    await expect(model.complete(request)).rejects.toThrow("boom");
    fail = false;
    await model.complete(request);
    expect(budget.spent().calls).toBe(1);
  });
});

describe("the concurrency limit", () => {
  it("never lets more than the limit run at once", async () => {
    let active = 0;
    let peak = 0;
    const inner: LargeModel = {
      id: "local:slow",
      async complete() {
        active++;
        peak = Math.max(peak, active);
        await new Promise((resolve) => setTimeout(resolve, 5));
        active--;
        return { text: "a", usage: { promptTokens: 1, completionTokens: 1 }, cached: false };
      },
    };
    const model = createConcurrencyLimitedModel(inner, 3);
    await Promise.all(Array.from({ length: 20 }, () => model.complete(request)));
    expect(peak).toBe(3);
  });
});
