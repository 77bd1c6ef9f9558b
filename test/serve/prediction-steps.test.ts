import { describe, expect, it } from "vitest";
import { createRunningShareBudget } from "../../src/adapter/lm-share-budget.js";
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

function contextOf(adapter: Adapter) {
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
      close: async () => {},
    },
    clock: {
      now: () => {
        now += 1;
        return now;
      },
    },
    logger: silentLogger,
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
      fallbackReason: "lm-error",
    });
    expect(calls).toBe(0);
    expect(metrics.render()).toMatch(/^easy_adapt_lm_errors_total\{reason="client-aborted"\} 1$/m);
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
