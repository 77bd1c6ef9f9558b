import { describe, expect, it } from "vitest";
import { createRunningShareBudget, type RunningShareBudget } from "../../src/adapter/lm-share-budget.js";
import { LargeModelAuthenticationError } from "../../src/large-models/errors/large-model-authentication-error.js";
import type { DecisionRecord } from "../../src/serve/decision-log.js";
import { callLm } from "../../src/serve/prediction/call-lm.js";
import { classifyBatch, classifyOne } from "../../src/serve/prediction/classify-inputs.js";
import type { PredictionContext } from "../../src/serve/prediction/prediction-context.js";
import { createServeMetrics } from "../../src/serve/serve-metrics.js";
import type { AdaptedPrediction, Adapter } from "../../src/spec/adapter.js";
import { ServeRequestError } from "../../src/spec/errors/serve-request-error.js";
import { silentLogger } from "../../src/spec/logger.js";
import { createConcurrencyLimit } from "../../src/util/concurrency-limit.js";

/** An adapter that routes texts starting with "lm" to the LM, whose answer `predict` gives. */
function fakeAdapter(predict: Adapter["predict"], maxLmShare?: number): Adapter {
  return {
    task: { name: "task", labels: ["local", "remote"] },
    lmId: "fake",
    maxLmShare,
    decide: (text) => ({ ssmLabel: "local", ssmConfidence: 0.6, useLm: text.startsWith("lm") }),
    predict,
    predictBatch: async () => [],
  };
}

const lmAnswer: AdaptedPrediction = { label: "remote", route: "lm", confidence: 0.9, lmRaw: "remote" };

function contextOf(
  adapter: Adapter,
  options: { maxLmCallsPerRequest?: number; shutdown?: AbortSignal } = {},
) {
  const records: DecisionRecord[] = [];
  const metrics = createServeMetrics();
  let now = 0;
  const context: PredictionContext = {
    adapter,
    lmLimit: createConcurrencyLimit(2),
    shareBudget: createRunningShareBudget(adapter.maxLmShare),
    metrics,
    decisionLog: {
      append: (record) => records.push(typeof record === "function" ? record() : record),
      flush: async () => {},
      reopen: async () => {},
      close: async () => {},
    },
    clock: {
      now: () => {
        now += 1;
        return now;
      },
    },
    logger: silentLogger,
    maxLmCallsPerRequest: options.maxLmCallsPerRequest ?? 64,
    shutdown: options.shutdown,
  };
  return { context, records, metrics };
}

describe("the prediction steps of serve", () => {
  it("answers a batch in order, records the SSM answers before the LM ones and holds the share cap", async () => {
    const { context, records, metrics } = contextOf(fakeAdapter(async () => lmAnswer, 0.5));
    const answers = await classifyBatch(context, ["lm a", "lm b", "lm c", "d"], "classify");
    // A cap of 0.5: the first LM-bound input may call at once, the second must wait for the third's share.
    expect(answers.map((answer) => answer.route)).toEqual(["lm", "ssm", "lm", "ssm"]);
    expect(records.map((record) => [record.route, record.shareCapped])).toEqual([
      ["ssm", true],
      ["ssm", undefined],
      ["lm", undefined],
      ["lm", undefined],
    ]);
    expect(records[2]).toMatchObject({ endpoint: "classify", lmAnswer: "remote", label: "remote" });
    expect(metrics.render()).toMatch(/^easy_adapt_lm_share_cap_declines_total 1$/m);
  });

  it("caps the LM calls of one batch: the further LM-routed inputs fall back with reason request-cap", async () => {
    let calls = 0;
    const { context, records, metrics } = contextOf(
      fakeAdapter(async () => {
        calls += 1;
        return lmAnswer;
      }),
      { maxLmCallsPerRequest: 2 },
    );
    const answers = await classifyBatch(context, ["lm a", "lm b", "lm c", "lm d", "e", "lm f"], "classify");
    expect(calls).toBe(2);
    expect(answers.map((answer) => [answer.route, answer.fallbackReason])).toEqual([
      ["lm", undefined],
      ["lm", undefined],
      ["fallback", "request-cap"],
      ["fallback", "request-cap"],
      ["ssm", undefined],
      ["fallback", "request-cap"],
    ]);
    // Request-capped inputs are not share-capped: they count in the share budget as inputs kept local.
    expect(records.filter((record) => record.shareCapped === true)).toEqual([]);
    expect((context.shareBudget as RunningShareBudget).lmCalls).toBe(2);
    expect((context.shareBudget as RunningShareBudget).inputs).toBe(6);
    expect(metrics.render()).toMatch(/^easy_adapt_lm_request_cap_declines_total 3$/m);
    expect(metrics.render()).toMatch(/^easy_adapt_lm_share_cap_declines_total 0$/m);
  });

  it("makes no LM call for a client that left while its input waited, and counts it", async () => {
    let calls = 0;
    const { context, metrics } = contextOf(
      fakeAdapter(async () => {
        calls += 1;
        return lmAnswer;
      }),
    );
    const controller = new AbortController();
    controller.abort();
    const answer = await callLm(
      context,
      "lm a",
      { ssmLabel: "local", ssmConfidence: 0.6, useLm: true },
      () => controller.signal,
    );
    expect(answer).toEqual({
      label: "local",
      route: "fallback",
      confidence: 0.6,
      cutOff: "client-disconnect",
    });
    expect(calls).toBe(0);
    const text = metrics.render();
    expect(text).toMatch(/^easy_adapt_cut_off_inputs_total\{reason="client-disconnect"\} 1$/m);
    // No call was made, and a client that leaves is no LM error.
    expect(text).toMatch(/^easy_adapt_lm_calls_total 0$/m);
    expect(text).not.toMatch(/^easy_adapt_lm_errors_total\{.*\} [1-9]/m);
  });

  it("counts an LM call cut short at shutdown as a shutdown cut-off, not an LM error", async () => {
    const shutdown = new AbortController();
    const request = new AbortController();
    const { context, records, metrics } = contextOf(
      fakeAdapter(async (_text, options) => {
        // The server shuts down while the call is in flight: it cuts the request off.
        shutdown.abort();
        request.abort();
        throw options?.signal?.reason ?? new Error("aborted");
      }),
      { shutdown: shutdown.signal },
    );
    const answer = await classifyOne(context, "lm a", "chat_completions", () => request.signal);
    expect(answer).toMatchObject({ route: "fallback", label: "local", cutOff: "shutdown" });
    expect(records[0]).toMatchObject({ route: "fallback", cutOff: "shutdown" });
    expect(records[0]?.fallbackReason).toBeUndefined();
    const text = metrics.render();
    expect(text).toMatch(/^easy_adapt_cut_off_inputs_total\{reason="shutdown"\} 1$/m);
    expect(text).toMatch(/^easy_adapt_lm_calls_total 1$/m);
    expect(text).not.toMatch(/^easy_adapt_lm_errors_total\{.*\} [1-9]/m);
  });

  it("answers an LM failure with the SSM's label and turns refused credentials into a 502", async () => {
    const failing = contextOf(
      fakeAdapter(async () => {
        throw new Error("socket hang up");
      }),
    );
    expect(await classifyOne(failing.context, "lm a", "chat_completions")).toMatchObject({
      route: "fallback",
      label: "local",
    });
    const refused = contextOf(
      fakeAdapter(async () => {
        throw new LargeModelAuthenticationError({ status: 401 });
      }),
    );
    const error = await classifyOne(refused.context, "lm a", "chat_completions").catch((caught) => caught);
    expect(error).toBeInstanceOf(ServeRequestError);
    expect((error as ServeRequestError).status).toBe(502);
    expect(refused.metrics.render()).toMatch(/^easy_adapt_lm_errors_total\{reason="auth"\} 1$/m);
  });
});
