import { describe, expect, it } from "vitest";
import { answerWithLm, type LmAnswerContext, ssmAnswer } from "../../src/adapter/answer-with-lm.js";
import type { Inspection } from "../../src/adapter/inspect-text.js";
import { predictBatch } from "../../src/adapter/predict-batch.js";
import type { PredictionContext } from "../../src/adapter/predict-text.js";
import { LargeModelAuthenticationError } from "../../src/large-models/errors/large-model-authentication-error.js";
import { LargeModelTimeoutError } from "../../src/large-models/errors/large-model-timeout-error.js";
import type { Completion, CompletionRequest, LargeModel } from "../../src/spec/large-model.js";

const labels = ["billing", "bug", "praise"];

/** An inspection whose SSM prefers `labelId` with `confidence`, and whose router score is `score`. */
function inspection(labelId: number, confidence: number, score: number): Inspection {
  const probabilities = new Float32Array(labels.length).fill((1 - confidence) / (labels.length - 1));
  probabilities[labelId] = confidence;
  return { probabilities, ssmLabelId: labelId, ssmConfidence: confidence, score };
}

/** A large model answering each text by `answer(text)` (the user message is the text), counting its calls. */
function scriptedModel(
  answer: (text: string) => string | Error,
  cached = false,
): LargeModel & { asked: string[] } {
  const asked: string[] = [];
  return {
    id: "scripted",
    asked,
    async complete(request: CompletionRequest): Promise<Completion> {
      const text = request.messages.at(-1)?.content ?? "";
      asked.push(text);
      const reply = answer(text);
      if (reply instanceof Error) throw reply;
      return { text: reply, usage: { promptTokens: 7, completionTokens: 2 }, cached };
    },
  };
}

function lmContext(largeModel: LargeModel | undefined): LmAnswerContext {
  return {
    largeModel,
    prompter: (text) => ({ messages: [{ role: "user", content: text }], temperature: 0, maxTokens: 4 }),
    labels,
    // A gate that always takes the LM's answer when usable.
    combine: (probabilities, answerLabel) =>
      answerLabel === undefined
        ? { label: labels[0] ?? "", confidence: probabilities[0] ?? 0 }
        : { label: answerLabel, confidence: 0.9 },
  };
}

describe("answerWithLm", () => {
  const inspected = inspection(1, 0.6, 1);

  it("answers with the gate's label, the LM's raw answer and the tokens its call used", async () => {
    const prediction = await answerWithLm(
      lmContext(scriptedModel(() => "praise")),
      "great",
      inspected,
      undefined,
    );
    expect(prediction).toEqual({
      label: "praise",
      route: "lm",
      confidence: 0.9,
      lmRaw: "praise",
      lmUsage: { promptTokens: 7, completionTokens: 2 },
    });
    // An answer from the cache spent nothing.
    const cached = await answerWithLm(
      lmContext(scriptedModel(() => "praise", true)),
      "great",
      inspected,
      undefined,
    );
    expect(cached.lmUsage).toEqual({ promptTokens: 0, completionTokens: 0 });
  });

  it("falls back on the SSM, with the reason, without an LM, on a timeout, and on an off-label answer", async () => {
    const ssm = ssmAnswer(labels, inspected);
    expect(ssm).toEqual({ label: "bug", route: "ssm", confidence: 0.6 });
    expect(await answerWithLm(lmContext(undefined), "x", inspected, undefined)).toEqual({
      ...ssm,
      route: "fallback",
      fallbackReason: "no-lm",
    });
    const timingOut = scriptedModel(() => new LargeModelTimeoutError(10));
    expect((await answerWithLm(lmContext(timingOut), "x", inspected, undefined)).fallbackReason).toBe(
      "lm-timeout",
    );
    const offLabel = await answerWithLm(lmContext(scriptedModel(() => "weather")), "x", inspected, undefined);
    expect(offLabel).toEqual({
      ...ssm,
      route: "fallback",
      fallbackReason: "lm-unparseable",
      lmRaw: "weather",
      lmUsage: { promptTokens: 7, completionTokens: 2 },
    });
  });

  it("throws an authentication failure", async () => {
    const refusing = scriptedModel(() => new LargeModelAuthenticationError({ status: 401 }));
    await expect(answerWithLm(lmContext(refusing), "x", inspected, undefined)).rejects.toBeInstanceOf(
      LargeModelAuthenticationError,
    );
  });
});

describe("predictBatch", () => {
  // The router score of each text is the number it spells; the threshold is 5.
  const context = (largeModel: LargeModel, shareCap: number | undefined): PredictionContext => ({
    inspect: (text) => inspection(0, 0.7, Number(text)),
    prepare: undefined,
    threshold: 5,
    shareCap,
    lm: lmContext(largeModel),
  });

  it("answers in order, sending to the LM only the texts the cap lets through, highest scores first", async () => {
    const model = scriptedModel(() => "bug");
    const texts = ["1", "9", "6", "7", "2"];
    const predictions = await predictBatch(context(model, 0.4), texts, { concurrency: 3 });
    expect(predictions.map((prediction) => prediction.route)).toEqual(["ssm", "lm", "ssm", "lm", "ssm"]);
    expect(model.asked.sort()).toEqual(["7", "9"]);
    const uncapped = scriptedModel(() => "bug");
    await predictBatch(context(uncapped, undefined), texts);
    expect(uncapped.asked.sort()).toEqual(["6", "7", "9"]);
  });

  it("starts no further call once one has thrown", async () => {
    const model = scriptedModel(() => new LargeModelAuthenticationError({ status: 401 }));
    const texts = ["9", "8", "7", "6"];
    await expect(predictBatch(context(model, undefined), texts, { concurrency: 1 })).rejects.toBeInstanceOf(
      LargeModelAuthenticationError,
    );
    expect(model.asked).toEqual(["9"]);
  });
});
