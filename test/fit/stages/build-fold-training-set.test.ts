import { describe, expect, it } from "vitest";
import type { LmReliability } from "../../../src/adapter/lm-reliability.js";
import { type AdaptationData, notAsked } from "../../../src/fit/adaptation-data.js";
import { buildFoldTrainingSet } from "../../../src/fit/stages/build-fold-training-set.js";
import { indexRows } from "../../../src/fit/stages/index-rows.js";

// Rows 0-3 have gold labels (row 1's LM answer is wrong, row 2 was not asked); rows 4-5 have only
// the LM's answer (distilled).
const data: AdaptationData = {
  labels: ["no", "yes"],
  texts: ["t0", "t1", "t2", "t3", "d4", "d5"],
  goldIds: Int32Array.from([0, 1, 0, 1, -1, -1]),
  answerIds: Int32Array.from([0, 0, notAsked, 1, 1, 0]),
};

const reliability: LmReliability = {
  labelCount: 2,
  rowCount: 3,
  accuracy: 0.7,
  unusableShare: 0,
  recall: [0.8, 0.5],
  precision: [0.9, 0.6],
  confusions: {},
  wrongByTrue: [0, 1],
  wrongAnswerShare: [0.5, 0.5],
  priorStrength: 4,
};

describe("indexRows", () => {
  it("indexes the labelled rows, the probed ones among them and the distilled rows", () => {
    const rows = indexRows(data, true);
    expect(rows.labelledRows).toEqual([0, 1, 2, 3]);
    expect(rows.probed).toEqual([0, 1, 3]);
    expect(rows.distilledTexts).toEqual(["d4", "d5"]);
    expect(rows.distilledLabels).toEqual([1, 0]);
    expect(Array.from(rows.lengths)).toEqual([2, 2, 2, 2]);
    expect(indexRows(data, false).distilledTexts).toEqual([]);
  });
});

describe("buildFoldTrainingSet", () => {
  it("puts the fold's gold rows first, complement-weighted, then every distilled row", () => {
    const rows = indexRows(data, true);
    const set = buildFoldTrainingSet([0, 1, 3], reliability, 1, rows, data.labels);
    expect(set.texts).toEqual(["t0", "t1", "t3", "d4", "d5"]);
    expect(Array.from(set.labelIds)).toEqual([0, 1, 1, 1, 0]);
    const weights = Array.from(set.exampleWeights ?? []);
    // Raw weights 1 + (1 − recall) (+1 where the LM was wrong): 1.2, 2.5, 1.5, normalised to a mean of 1.
    const mean = (1.2 + 2.5 + 1.5) / 3;
    expect(weights[0]).toBeCloseTo(1.2 / mean, 6);
    expect(weights[1]).toBeCloseTo(2.5 / mean, 6);
    expect(weights[2]).toBeCloseTo(1.5 / mean, 6);
    // Distilled rows: 0.8 × the LM's precision on its answer.
    expect(weights[3]).toBeCloseTo(0.8 * 0.6, 6);
    expect(weights[4]).toBeCloseTo(0.8 * 0.9, 6);
  });

  it("gives the gold rows plain weights at strength 0 and leaves out distilled rows without distillation", () => {
    const set = buildFoldTrainingSet([0, 2], reliability, 0, indexRows(data, false), data.labels);
    expect(set.texts).toEqual(["t0", "t2"]);
    expect(Array.from(set.exampleWeights ?? [])).toEqual([1, 1]);
  });
});
