import { describe, expect, it } from "vitest";
import { askLmAboutRows } from "../../src/evaluate/ask-lm-about-rows.js";
import { EvaluationStoppedError } from "../../src/evaluate/evaluation-stopped-error.js";
import { AnswerCacheError } from "../../src/large-models/errors/answer-cache-error.js";
import { LargeModelNetworkError } from "../../src/large-models/errors/large-model-network-error.js";
import type { Completion, CompletionRequest, LargeModel } from "../../src/spec/large-model.js";

const task = { name: "tickets", labels: ["billing", "bug"] };

/** A large model answering each row by `answer(text)`, the text being the prompt's last message. */
function scriptedModel(answer: (text: string) => string | Error): LargeModel {
  return {
    id: "scripted",
    async complete(request: CompletionRequest): Promise<Completion> {
      const text = request.messages.at(-1)?.content ?? "";
      const reply = answer(text);
      if (reply instanceof Error) throw reply;
      return { text: reply, usage: { promptTokens: text.length, completionTokens: 1 }, cached: false };
    },
  };
}

describe("askLmAboutRows", () => {
  it("keeps each row's label and tokens; off-label answers and failed calls are unusable", async () => {
    const rows = [
      { text: "card charged twice" },
      { text: "crash on start" },
      { text: "hello" },
      { text: "fail" },
    ];
    const model = scriptedModel((text) => {
      if (text.includes("card")) return "billing";
      if (text.includes("crash")) return "bug";
      if (text.includes("fail")) return new LargeModelNetworkError("down");
      return "weather";
    });
    const answers = await askLmAboutRows(task, rows, model, { concurrency: 2 });
    expect(answers.lmLabels).toEqual(["billing", "bug", undefined, undefined]);
    expect(answers.unusableLm).toBe(2);
    expect(answers.failedLm).toBe(1);
    expect(answers.lastLmFailure).toContain("down");
    expect(answers.outputTokens[0]).toBe(1);
    expect(answers.inputTokens[3]).toBe(0);
  });

  it("stops with EvaluationStoppedError after the given number of failures in a row", async () => {
    const rows = Array.from({ length: 10 }, (_, index) => ({ text: `row ${index}` }));
    let asked = 0;
    const failing = scriptedModel(() => {
      asked += 1;
      return new LargeModelNetworkError("unreachable");
    });
    const stopped = askLmAboutRows(task, rows, failing, { concurrency: 1, maxConsecutiveFailures: 3 });
    await expect(stopped).rejects.toBeInstanceOf(EvaluationStoppedError);
    await expect(stopped).rejects.toThrow(/asked about 3 of 10 rows/);
    expect(asked).toBe(3);
  });

  it("throws a broken answer cache's AnswerCacheError at once, not as failed LM calls", async () => {
    const rows = Array.from({ length: 10 }, (_, index) => ({ text: `row ${index}` }));
    let asked = 0;
    const broken = scriptedModel(() => {
      asked += 1;
      return new AnswerCacheError("database disk image is malformed", "/tmp/cache.sqlite");
    });
    const stopped = askLmAboutRows(task, rows, broken, { concurrency: 1 });
    await expect(stopped).rejects.toBeInstanceOf(AnswerCacheError);
    await expect(stopped).rejects.toThrow("/tmp/cache.sqlite");
    expect(asked).toBe(1);
  });
});
