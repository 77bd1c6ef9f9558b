import { describe, expect, it } from "vitest";
import { lmAnswerGate } from "../../../src/adapter/answer-gate.js";
import { type AdaptationData, unusableAnswer } from "../../../src/fit/adaptation-data.js";
import { assignFolds } from "../../../src/fit/folds.js";
import { chooseGate } from "../../../src/fit/stages/choose-gate.js";
import { estimateReliabilities } from "../../../src/fit/stages/estimate-reliabilities.js";
import type { FitContext } from "../../../src/fit/stages/fit-context.js";
import { indexRows } from "../../../src/fit/stages/index-rows.js";

const labelCount = 3;
const rowCount = 300;
const unusableRow = 7;

/** 300 labelled rows, all probed: the LM is right on 60% of them, one answer is unusable. */
function createContext(): FitContext {
  const goldIds = Int32Array.from({ length: rowCount }, (_, row) => row % labelCount);
  const answerIds = Int32Array.from(goldIds, (gold, row) => {
    if (row === unusableRow) return unusableAnswer;
    return row % 5 < 3 ? gold : (gold + 1) % labelCount;
  });
  const data: AdaptationData = {
    labels: ["a", "b", "c"],
    texts: Array.from({ length: rowCount }, (_, row) => `text ${row}`),
    goldIds,
    answerIds,
  };
  const rows = indexRows(data, true);
  const folds = assignFolds(rows.gold, 5, 1);
  const reliabilities = estimateReliabilities(rows, folds, labelCount, 5);
  return { labels: data.labels, labelCount, foldCount: 5, rows, folds, reliabilities };
}

/** The same probability vector for every row, or one peaked on the gold label. */
function probabilitiesOf(context: FitContext, vector: (gold: number) => number[]): Float32Array {
  return Float32Array.from(Array.from(context.rows.gold).flatMap((gold) => vector(gold)));
}

describe("chooseGate", () => {
  it("keeps the fitted gate where the SSM measurably corrects the LM", () => {
    const context = createContext();
    const probabilities = probabilitiesOf(context, (gold) =>
      Array.from({ length: labelCount }, (_, label) => (label === gold ? 0.9 : 0.05)),
    );
    const ssmRight = new Uint8Array(rowCount).fill(1);
    const choice = chooseGate(context, probabilities, ssmRight);
    expect(choice.gate).not.toBe(lmAnswerGate);
    expect(choice.gate.ssmWeight).toBeGreaterThan(0);
    expect(Array.from(choice.gatedRight).every((right) => right === 1)).toBe(true);
  });

  it("keeps the LM's own answer where the SSM knows nothing", () => {
    const context = createContext();
    const probabilities = probabilitiesOf(context, () => [1 / 3, 1 / 3, 1 / 3]);
    const ssmRight = new Uint8Array(rowCount);
    ssmRight[unusableRow] = 1;
    const choice = chooseGate(context, probabilities, ssmRight);
    expect(choice.gate).toBe(lmAnswerGate);
    const { gold, answers } = context.rows;
    choice.gatedRight.forEach((right, index) => {
      // Where the LM's answer is unusable, the SSM's answer stands.
      const expected = index === unusableRow ? 1 : answers[index] === gold[index] ? 1 : 0;
      expect(right).toBe(expected);
    });
  });
});
