import { describe, expect, it } from "vitest";
import { combineWithAnswer, lmAnswerGate } from "../../src/adapter/answer-gate.js";
import { estimateLmReliability } from "../../src/adapter/lm-reliability.js";
import { assignFolds } from "../../src/fit/folds.js";
import {
  chooseCappedPoint,
  chooseOperatingPoint,
  defaultRule,
  estimateCurve,
  safetyZ,
} from "../../src/fit/operating-point.js";
import { fitLogistic, predictLogistic } from "../../src/learners/logistic-regression.js";

describe("assignFolds", () => {
  it("spreads each label evenly over the folds, deterministically", () => {
    const labels = Int32Array.from({ length: 103 }, (_, index) => index % 3);
    const folds = assignFolds(labels, 5, 1);
    expect(assignFolds(labels, 5, 1)).toEqual(folds);
    for (let label = 0; label < 3; label += 1) {
      const counts = [0, 0, 0, 0, 0];
      folds.forEach((fold, index) => {
        if (labels[index] === label) counts[fold] = (counts[fold] ?? 0) + 1;
      });
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    }
  });
});

describe("fitLogistic", () => {
  it("learns a separable direction and weights examples", () => {
    const rows = 200;
    const features = new Float64Array(rows * 2);
    const targets = new Float64Array(rows);
    for (let row = 0; row < rows; row += 1) {
      const x = (row / rows) * 4 - 2;
      features[row * 2] = x;
      features[row * 2 + 1] = (row % 7) / 7; // noise
      targets[row] = x > 0.5 ? 1 : 0;
    }
    const model = fitLogistic(features, 2, targets, undefined, { l2: 1e-4 });
    expect(predictLogistic(model, [1.5, 0.3])).toBeGreaterThan(0.9);
    expect(predictLogistic(model, [-1, 0.3])).toBeLessThan(0.1);
    const strong = fitLogistic(features, 2, targets, undefined, { l2: 10 });
    expect(Math.abs(strong.weights[0] ?? 0)).toBeLessThan(Math.abs(model.weights[0] ?? 0));
  });
});

describe("the answer gate", () => {
  const gold = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
  // The LM is right on label 0, says 2 for half of label 1, and is unusable once.
  const answers = Int32Array.from([0, 0, 0, 0, 1, 2, 1, 2, 2, 2, 2, -1]);
  const reliability = estimateLmReliability(gold, answers, 3, { priorStrength: 1 });

  it("smooths per-label reliability toward the LM's accuracy", () => {
    expect(reliability.accuracy).toBeCloseTo(9 / 12);
    expect(reliability.recall[0]).toBeGreaterThan(reliability.recall[1] ?? 1);
    expect(reliability.recall[1]).toBeGreaterThan(0.5);
    expect(reliability.precision[2]).toBeLessThan(reliability.precision[0] ?? 0);
    expect(reliability.unusableShare).toBeCloseTo(1 / 12);
  });

  it("keeps a confident SSM against an unreliable answer and follows a reliable one", () => {
    const scratch = new Float64Array(3);
    const confidentOne = [0.05, 0.9, 0.05];
    expect(
      combineWithAnswer(confidentOne, 2, reliability, { ssmWeight: 1, lmWeight: 1 }, scratch).labelId,
    ).toBe(1);
    const unsure = [0.4, 0.35, 0.25];
    expect(combineWithAnswer(unsure, 1, reliability, { ssmWeight: 1, lmWeight: 1 }, scratch).labelId).toBe(1);
    expect(combineWithAnswer(confidentOne, 2, reliability, lmAnswerGate, scratch).labelId).toBe(2);
  });
});

describe("the operating point", () => {
  // 10 rows sorted by router score: the SSM is wrong on the 3 highest-scored rows, the routed answer right on them.
  const scores = Float64Array.from([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
  const ssmRight = Uint8Array.from([0, 0, 0, 1, 1, 1, 1, 1, 1, 1]);
  const routedRight = Uint8Array.from([1, 1, 1, 1, 1, 1, 1, 1, 0, 1]);
  const lmRight = Uint8Array.from([1, 1, 1, 1, 1, 0, 1, 1, 0, 1]);
  const curve = estimateCurve(scores, ssmRight, routedRight, lmRight);

  it("estimates accuracy and the paired gain over the LM at each share", () => {
    expect(curve[0]).toMatchObject({ lmShare: 0, accuracy: 0.7 });
    expect(curve[3]).toMatchObject({ lmShare: 0.3, accuracy: 1 });
    expect(curve[3]?.gainOverLm).toBeCloseTo(0.2);
    expect(curve.at(-1)).toMatchObject({ lmShare: 1, accuracy: 0.9 });
  });

  it("honours --max-lm-share and --lm-cost", () => {
    expect(chooseOperatingPoint(curve, { kind: "max-lm-share", maxLmShare: 0.2 }).lmShare).toBe(0.2);
    expect(chooseOperatingPoint(curve, { kind: "lm-cost", lmCost: 0.1 }).lmShare).toBe(0.3);
    expect(chooseOperatingPoint(curve, { kind: "lm-cost", lmCost: 5 }).lmShare).toBe(0);
  });

  it("spends a --max-lm-share budget unless a cheaper point is safely not below the LM alone", () => {
    // 200 rows, the LM right on all but the last 10; the SSM right on all but 4 of the 20 highest-scored.
    const rows = 200;
    const tiedScores = Float64Array.from({ length: rows }, (_, index) => rows - index);
    const lmAllRight = Uint8Array.from({ length: rows }, (_, index) => (index < rows - 10 ? 1 : 0));
    const ssmNearlyRight = Uint8Array.from({ length: rows }, (_, index) =>
      index === 1 || index === 5 || index === 9 || index === 13 ? 0 : 1,
    );
    // Where the SSM only ties the LM on its confident rows (two wins, no loss, too few to trust),
    // the whole budget is spent: the cheaper points are no more accurate than the cap's.
    const tied = estimateCurve(
      tiedScores,
      Uint8Array.from(lmAllRight, (right, index) => (index >= rows - 2 ? 1 : right)),
      lmAllRight,
      lmAllRight,
    );
    const capped = chooseOperatingPoint(tied, { kind: "max-lm-share", maxLmShare: 0.85 });
    expect(capped.lmShare).toBeCloseTo(0.85);
    expect(chooseCappedPoint(tied, 0.3, defaultRule).lmShare).toBeCloseTo(0.3);
    // Every point down to 0% is as accurate on these rows (the two wins are on the least-scored
    // rows): the old reading, the most accurate point under the cap with ties to the cheaper one,
    // sent nothing to the LM here.
    expect(tied[0]?.accuracy).toBeCloseTo(capped.accuracy);
    // Where an SSM is much better than the LM on its confident rows, the safe, most accurate point
    // under the cap is kept, not the cap.
    const lmOftenWrong = Uint8Array.from({ length: rows }, (_, index) =>
      index < 14 || (index !== 14 && index % 3 !== 0) ? 1 : 0,
    );
    const strong = estimateCurve(tiedScores, ssmNearlyRight, lmOftenWrong, lmOftenWrong);
    const chosen = chooseOperatingPoint(strong, { kind: "max-lm-share", maxLmShare: 0.85 });
    expect(chosen.lmShare).toBeCloseTo(0.07);
    expect(chosen.gainOverLm).toBeGreaterThan(0.2);
  });

  it("by default picks the cheapest point near the best that is safely not below the LM alone", () => {
    // The same pattern on 100 rows, so that the gain over the LM is measurable.
    const tile = <Values extends Float64Array | Uint8Array>(
      values: Values,
      offset: (copy: number) => number,
    ) => Array.from({ length: 10 }, (_, copy) => Array.from(values, (value) => value + offset(copy))).flat();
    const big = estimateCurve(
      Float64Array.from(tile(scores, (copy) => copy / 100)),
      Uint8Array.from(tile(ssmRight, () => 0)),
      Uint8Array.from(tile(routedRight, () => 0)),
      Uint8Array.from(tile(lmRight, () => 0)),
    );
    const chosen = chooseOperatingPoint(big, { kind: "default" });
    expect(chosen.lmShare).toBeGreaterThan(0);
    expect(chosen.lmShare).toBeLessThanOrEqual(0.3);
    expect(chosen.accuracy).toBeGreaterThanOrEqual(0.99);
    expect(chosen.gainOverLm - safetyZ * chosen.gainStandardError).toBeGreaterThanOrEqual(0);
  });

  it("sends everything to the LM when the SSM only loses", () => {
    const weak = estimateCurve(
      scores,
      Uint8Array.from([0, 0, 0, 0, 0, 1, 0, 1, 0, 0]),
      Uint8Array.from([1, 1, 1, 1, 1, 0, 1, 1, 1, 1]),
      Uint8Array.from([1, 1, 1, 1, 1, 0, 1, 1, 1, 1]),
    );
    expect(chooseOperatingPoint(weak, { kind: "default" }).lmShare).toBe(1);
  });
});
