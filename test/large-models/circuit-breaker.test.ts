import { describe, expect, it } from "vitest";
import { type CircuitEvent, createCircuitBreaker } from "../../src/large-models/circuit-breaker.js";
import { createCircuitBreakingModel } from "../../src/large-models/circuit-breaking-model.js";
import { CircuitOpenError } from "../../src/large-models/errors/circuit-open-error.js";
import { LargeModelHttpError } from "../../src/large-models/errors/large-model-http-error.js";
import { LargeModelTimeoutError } from "../../src/large-models/errors/large-model-timeout-error.js";
import { createRetryingModel } from "../../src/large-models/retrying-model.js";
import type { CompletionRequest, LargeModel } from "../../src/spec/large-model.js";

const request: CompletionRequest = {
  messages: [{ role: "user", content: "hi" }],
  temperature: 0,
  maxTokens: 5,
};

/** A model that fails with `error` (or answers when it is undefined), counting its calls. */
function scriptedModel(next: () => Error | undefined): LargeModel & { calls: number } {
  const model = {
    id: "scripted",
    calls: 0,
    async complete() {
      model.calls += 1;
      const error = next();
      if (error !== undefined) throw error;
      return { text: "ok", usage: { promptTokens: 1, completionTokens: 1 }, cached: false };
    },
  };
  return model;
}

describe("the circuit breaker", () => {
  it("opens after K failures in a row, refuses calls, then lets one probe through after the cool-down", async () => {
    let now = 0;
    const breaker = createCircuitBreaker({ failures: 3, cooldownMs: 1000, now: () => now });
    const events: CircuitEvent[] = [];
    breaker.subscribe((event) => events.push(event));
    let failing = true;
    const inner = scriptedModel(() => (failing ? new LargeModelTimeoutError(10) : undefined));
    const model = createCircuitBreakingModel(inner, breaker);
    for (let call = 0; call < 3; call += 1)
      await expect(model.complete(request)).rejects.toThrow(LargeModelTimeoutError);
    expect(breaker.state).toBe("open");
    await expect(model.complete(request)).rejects.toThrow(CircuitOpenError);
    expect(inner.calls).toBe(3);
    now = 1000;
    expect(breaker.state).toBe("half-open");
    expect(breaker.refusesCalls()).toBe(false);
    // The probe fails: open again, for another cool-down.
    await expect(model.complete(request)).rejects.toThrow(LargeModelTimeoutError);
    expect(breaker.state).toBe("open");
    now = 2000;
    failing = false;
    const probe = breaker.acquire();
    expect(probe).toBeDefined();
    // One probe at a time: the others are refused meanwhile.
    expect(breaker.refusesCalls()).toBe(true);
    expect(breaker.acquire()).toBeUndefined();
    probe?.succeeded();
    expect(breaker.state).toBe("closed");
    await expect(model.complete(request)).resolves.toMatchObject({ text: "ok" });
    const states = events.flatMap((event) => (event.kind === "state" ? [`${event.from}>${event.to}`] : []));
    expect(states).toEqual([
      "closed>open",
      "open>half-open",
      "half-open>open",
      "open>half-open",
      "half-open>closed",
    ]);
    expect(events.filter((event) => event.kind === "failure")).toHaveLength(4);
  });

  it("opens on a failure rate over the window even without K failures in a row", () => {
    const breaker = createCircuitBreaker({ failures: 5, windowSize: 10, failureRate: 0.5 });
    for (let call = 0; call < 10; call += 1) {
      const permit = breaker.acquire();
      if (call % 2 === 1) permit?.failed("boom");
      else permit?.succeeded();
    }
    expect(breaker.state).toBe("open");
  });

  it("counts 429s, non-retryable errors and aborts for nothing, and never opens with failures 0", async () => {
    const breaker = createCircuitBreaker({ failures: 2 });
    const model = createCircuitBreakingModel(
      scriptedModel(() => new LargeModelHttpError("rate limited", { status: 429 })),
      breaker,
    );
    for (let call = 0; call < 5; call += 1) await expect(model.complete(request)).rejects.toThrow();
    expect(breaker.state).toBe("closed");
    const never = createCircuitBreaker({ failures: 0 });
    for (let call = 0; call < 50; call += 1) never.acquire()?.failed("boom");
    expect(never.state).toBe("closed");
  });

  it("stops the retries once it opens: no more calls reach the upstream", async () => {
    const breaker = createCircuitBreaker({ failures: 2, cooldownMs: 60_000 });
    const inner = scriptedModel(() => new LargeModelHttpError("down", { status: 503 }));
    const model = createRetryingModel(createCircuitBreakingModel(inner, breaker), {
      maxRetries: 5,
      sleep: async () => {},
    });
    await expect(model.complete(request)).rejects.toThrow(CircuitOpenError);
    expect(inner.calls).toBe(2);
  });
});

describe("the retries after a timeout", () => {
  it("are capped by maxTimeoutRetries while other failures keep maxRetries", async () => {
    const timeouts = scriptedModel(() => new LargeModelTimeoutError(10));
    const capped = createRetryingModel(timeouts, {
      maxRetries: 3,
      maxTimeoutRetries: 1,
      sleep: async () => {},
    });
    await expect(capped.complete(request)).rejects.toThrow(LargeModelTimeoutError);
    expect(timeouts.calls).toBe(2);
    const errors = scriptedModel(() => new LargeModelHttpError("down", { status: 503 }));
    const other = createRetryingModel(errors, { maxRetries: 3, maxTimeoutRetries: 1, sleep: async () => {} });
    await expect(other.complete(request)).rejects.toThrow(LargeModelHttpError);
    expect(errors.calls).toBe(4);
  });
});
