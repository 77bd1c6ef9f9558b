import { describe, expect, it } from "vitest";
import { estimateMacroF1Curve, macroF1Of, type ProbedLabels } from "../../src/fit/macro-f1-curve.js";
import { routingOf } from "../../src/fit/stages/choose-router.js";

const negative = 0;
const positive = 1;

/** A group of rows with one router score: how many, their gold label and the LM's answer. */
interface Group {
  score: number;
  count: number;
  gold: number;
  lm: number;
}

/**
 * A synthetic imbalanced task (2,000 rows, 11% positive): the SSM always answers "negative"
 * (89% accuracy, no positive found), the LM finds 200 of the 220 positives but calls 300
 * negatives positive (84% accuracy, macro-F1 72.9%). The router sends first 60 positives the LM
 * finds with 20 of its false positives (score 3: +2 accuracy points, macro-F1 67.6%, below the LM),
 * then 140 positives with 180 false positives (score 2: accuracy back to 89%, macro-F1 79.0%), then
 * everything else (score 1: the LM alone).
 */
function imbalancedTask() {
  const groups: Group[] = [
    { score: 3, count: 60, gold: positive, lm: positive },
    { score: 3, count: 20, gold: negative, lm: positive },
    { score: 2, count: 140, gold: positive, lm: positive },
    { score: 2, count: 180, gold: negative, lm: positive },
    { score: 1, count: 20, gold: positive, lm: negative },
    { score: 1, count: 100, gold: negative, lm: positive },
    { score: 1, count: 1480, gold: negative, lm: negative },
  ];
  const rows = groups.flatMap((group) => Array.from({ length: group.count }, () => group));
  const labels: ProbedLabels = {
    gold: Int32Array.from(rows, (row) => row.gold),
    ssm: Int32Array.from(rows, () => negative),
    routed: Int32Array.from(rows, (row) => row.lm),
    lm: Int32Array.from(rows, (row) => row.lm),
  };
  const right = (answers: Int32Array) =>
    Uint8Array.from(answers, (label, row) => (label === labels.gold[row] ? 1 : 0));
  return {
    scores: Float64Array.from(rows, (row) => row.score),
    labels,
    outcomes: { ssmRight: right(labels.ssm), gatedRight: right(labels.routed), lmRight: right(labels.lm) },
  };
}

/** The answers at an LM share: the first rows (highest scores) routed to the LM. */
function answersAt(labels: ProbedLabels, share: number): Int32Array {
  const routed = Math.round(share * labels.gold.length);
  return Int32Array.from(labels.ssm, (label, row) => (row < routed ? (labels.lm[row] ?? -1) : label));
}

describe("the operating point by macro-F1", () => {
  it("computes scikit-learn's macro-F1 at every point of the curve", () => {
    const { scores, labels } = imbalancedTask();
    const curve = estimateMacroF1Curve(scores, labels, 2);
    expect(curve.map((point) => point.lmShare)).toEqual([0, 0.04, 0.2, 1]);
    // SSM alone: F1 0 on "positive", 2·1780 / (2000 + 1780) on "negative".
    expect(curve[0]?.accuracy).toBeCloseTo((0 + 3560 / 3780) / 2, 10);
    expect(curve[3]?.accuracy).toBeCloseTo(macroF1Of(labels.gold, labels.lm, 2), 12);
    expect(curve[3]?.gainOverLm).toBe(0);
    for (const point of curve)
      expect(point.accuracy).toBeCloseTo(macroF1Of(labels.gold, answersAt(labels, point.lmShare), 2), 12);
  });

  it("picks a point not below the LM on macro-F1 where the accuracy-optimal point loses it", () => {
    const { scores, labels, outcomes } = imbalancedTask();
    const lmMacroF1 = macroF1Of(labels.gold, labels.lm, 2);
    const metric = { labels, labelCount: 2 };

    const byAccuracy = routingOf(
      "confidence",
      scores,
      outcomes,
      { kind: "default" },
      { ...metric, metric: "accuracy" },
    );
    expect(byAccuracy.chosen.lmShare).toBeCloseTo(0.04, 12);
    expect(byAccuracy.chosen.accuracy).toBeCloseTo(0.91, 12);
    expect(byAccuracy.metricCurve).toBeUndefined();
    const accuracyMacroF1 = macroF1Of(labels.gold, answersAt(labels, byAccuracy.chosen.lmShare), 2);
    expect(accuracyMacroF1).toBeLessThan(lmMacroF1 - 0.05);

    const byMacroF1 = routingOf(
      "confidence",
      scores,
      outcomes,
      { kind: "default" },
      { ...metric, metric: "macro-f1" },
    );
    expect(byMacroF1.chosen.lmShare).toBeCloseTo(0.2, 12);
    // The point kept is the accuracy curve's point at the same threshold.
    expect(byMacroF1.chosen.accuracy).toBeCloseTo(0.89, 12);
    expect(byMacroF1.curve).toEqual(byAccuracy.curve);
    const chosenMacroF1 = macroF1Of(labels.gold, answersAt(labels, byMacroF1.chosen.lmShare), 2);
    expect(chosenMacroF1).toBeGreaterThan(lmMacroF1 + 0.05);
    expect(byMacroF1.metricCurve?.find((point) => point.lmShare === 0.2)?.accuracy).toBeCloseTo(
      chosenMacroF1,
      12,
    );
  });

  it("holds the not-below-the-LM test on macro-F1: with too few rows to be sure, the LM alone", () => {
    // The same proportions on 50 rows: the macro-F1 gain of the 20% point is too uncertain.
    const { scores, labels, outcomes } = imbalancedTask();
    const keep = Array.from({ length: scores.length }, (_, row) => row).filter((row) => row % 40 === 0);
    const pick = <T extends Int32Array | Uint8Array | Float64Array>(values: T) =>
      values.filter((_, row) => keep.includes(row)) as T;
    const small: ProbedLabels = {
      gold: pick(labels.gold),
      ssm: pick(labels.ssm),
      routed: pick(labels.routed),
      lm: pick(labels.lm),
    };
    const smallOutcomes = {
      ssmRight: pick(outcomes.ssmRight),
      gatedRight: pick(outcomes.gatedRight),
      lmRight: pick(outcomes.lmRight),
    };
    const routing = routingOf(
      "confidence",
      pick(scores),
      smallOutcomes,
      { kind: "default" },
      {
        metric: "macro-f1",
        labels: small,
        labelCount: 2,
      },
    );
    expect(routing.chosen.lmShare).toBe(1);
  });

  it("follows --max-lm-share and --lm-cost on the macro-F1 curve", () => {
    const { scores, labels, outcomes } = imbalancedTask();
    const metric = { metric: "macro-f1" as const, labels, labelCount: 2 };
    const capped = routingOf(
      "confidence",
      scores,
      outcomes,
      { kind: "max-lm-share", maxLmShare: 0.1 },
      metric,
    );
    expect(capped.chosen.lmShare).toBeCloseTo(0.04, 12);
    const cheap = routingOf("confidence", scores, outcomes, { kind: "lm-cost", lmCost: 0.01 }, metric);
    expect(cheap.chosen.lmShare).toBeCloseTo(0.2, 12);
  });
});
