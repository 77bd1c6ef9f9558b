import { describe, expect, it } from "vitest";
import {
  computeAccuracy,
  computeClassificationMetrics,
  computeConfusionCounts,
  perLabelF1,
} from "../../src/evaluate/classification-metrics.js";

describe("computeClassificationMetrics", () => {
  // Hand-computed: a → P 1/2 R 1/2 F1 1/2; b → P 1/2 R 1/2 F1 1/2; c → P 0 (no predictions) R 0 F1 0.
  const labels = ["a", "b", "c", "d"];
  const gold = ["a", "a", "b", "b", "c"];
  const predicted = ["a", "b", "b", undefined, "a"];

  it("matches the hand-computed accuracy, macro-F1 and per-label figures", () => {
    const metrics = computeClassificationMetrics(gold, predicted, labels);
    expect(metrics.count).toBe(5);
    expect(metrics.correct).toBe(2);
    expect(metrics.unanswered).toBe(1);
    expect(metrics.accuracy).toBeCloseTo(0.4, 12);
    expect(metrics.macroF1).toBeCloseTo(1 / 3, 12);
    expect(metrics.perLabel.map((entry) => entry.label)).toEqual(["a", "b", "c"]);
    expect(metrics.perLabel[0]).toEqual({
      label: "a",
      precision: 0.5,
      recall: 0.5,
      f1: 0.5,
      support: 2,
      predicted: 2,
      truePositives: 1,
    });
    expect(metrics.perLabel[2]).toMatchObject({ label: "c", precision: 0, recall: 0, f1: 0, support: 1 });
    expect(perLabelF1(metrics)).toEqual({ a: 0.5, b: 0.5, c: 0 });
  });

  it("averages over the labels seen in gold or predictions, like scikit-learn", () => {
    // "d" never occurs: left out. A label only predicted (never gold) counts with F1 0.
    const metrics = computeClassificationMetrics(["a", "a"], ["a", "d"], labels);
    expect(metrics.perLabel.map((entry) => entry.label)).toEqual(["a", "d"]);
    // a: P 1, R 1/2, F1 2/3; d: F1 0 → macro 1/3.
    expect(metrics.macroF1).toBeCloseTo(1 / 3, 12);
  });

  it("counts empty answers and answers off the label set as wrong, unanswered and not a class", () => {
    const metrics = computeClassificationMetrics(["a", "b", "c"], ["", "zzz", "c"], labels);
    expect(metrics.accuracy).toBeCloseTo(1 / 3, 12);
    expect(metrics.unanswered).toBe(2);
    expect(metrics.perLabel.map((entry) => entry.label)).toEqual(["a", "b", "c"]);
    expect(metrics.macroF1).toBeCloseTo(1 / 3, 12);
  });

  it("scores a gold label the task does not list, which can never be predicted right", () => {
    const metrics = computeClassificationMetrics(["a", "x"], ["a", "x"], ["a", "b"]);
    expect(metrics.accuracy).toBe(0.5);
    expect(metrics.perLabel.map((entry) => entry.label)).toEqual(["a", "x"]);
  });

  it("gives zeros for no rows and rejects misaligned arrays", () => {
    expect(computeClassificationMetrics([], [], labels)).toMatchObject({
      accuracy: 0,
      macroF1: 0,
      perLabel: [],
    });
    expect(() => computeClassificationMetrics(["a"], [], labels)).toThrow(/1 rows but predictions have 0/);
  });
});

describe("computeAccuracy", () => {
  it("counts exact matches only", () => {
    expect(computeAccuracy(["a", "b", "c", "d"], ["a", "", undefined, "d"])).toBe(0.5);
  });
});

describe("computeConfusionCounts", () => {
  it("puts each row in its gold row and predicted column, unanswered apart", () => {
    const counts = computeConfusionCounts(["a", "a", "b", "b"], ["a", "b", undefined, "b"], ["a", "b"]);
    expect(counts.labels).toEqual(["a", "b"]);
    expect(counts.matrix).toEqual([
      [1, 1],
      [0, 1],
    ]);
    expect(counts.unanswered).toEqual([0, 1]);
  });
});
