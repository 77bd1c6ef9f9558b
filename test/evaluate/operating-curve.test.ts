import { describe, expect, it } from "vitest";
import {
  bestPointWithinShare,
  cheapestPointReaching,
  computeOperatingCurve,
  computeOracleAccuracy,
  evaluateThreshold,
  type OperatingCurveInput,
  oraclePredictions,
  routePredictions,
  thinOperatingCurve,
} from "../../src/evaluate/operating-curve.js";
import { createSeededRandom } from "../../src/util/seeded-random.js";

// row: gold, SSM, LM, score
// 0: a a b 0.05 (only the SSM right)   1: a b a 0.8 (only the LM right)
// 2: b b b 0.5  (both)                 3: b a – 0.5 (neither; tied with row 2)   4: c c c 0.1 (both)
const small: OperatingCurveInput = {
  gold: ["a", "a", "b", "b", "c"],
  ssmLabels: ["a", "b", "b", "a", "c"],
  lmLabels: ["b", "a", "b", undefined, "c"],
  scores: [0.05, 0.8, 0.5, 0.5, 0.1],
};

function randomInput(rows: number, seed: number, distinctScores: number): OperatingCurveInput {
  const random = createSeededRandom(seed);
  const input = {
    gold: [] as string[],
    ssmLabels: [] as string[],
    lmLabels: [] as (string | undefined)[],
    scores: [] as number[],
  };
  for (let row = 0; row < rows; row++) {
    const gold = `l${row % 5}`;
    input.gold.push(gold);
    input.ssmLabels.push(random() < 0.7 ? gold : "l9");
    input.lmLabels.push(random() < 0.8 ? gold : random() < 0.5 ? undefined : "l8");
    input.scores.push(Math.floor(random() * distinctScores) / distinctScores);
  }
  return input;
}

describe("computeOperatingCurve", () => {
  it("sweeps the hand-computed points, tied scores moving together", () => {
    const curve = computeOperatingCurve(small);
    expect(curve.map((point) => [point.lmCalls, point.lmShare, point.accuracy])).toEqual([
      [0, 0, 0.6],
      [1, 0.2, 0.8],
      [3, 0.6, 0.8],
      [4, 0.8, 0.8],
      [5, 1, 0.6],
    ]);
    expect(curve.slice(1).map((point) => point.threshold)).toEqual([0.8, 0.5, 0.1, 0.05]);
    expect(curve[0]!.threshold).toBeGreaterThan(0.8);
  });

  it("starts at the SSM's accuracy (share 0) and ends at the LM's (share 1)", () => {
    const input = randomInput(500, 3, 1000);
    const curve = computeOperatingCurve(input);
    const accuracyOf = (labels: readonly (string | undefined)[]) =>
      labels.filter((label, row) => label === input.gold[row]).length / input.gold.length;
    expect(curve[0]).toMatchObject({ lmShare: 0, lmCalls: 0, accuracy: accuracyOf(input.ssmLabels) });
    expect(curve.at(-1)).toMatchObject({ lmShare: 1, lmCalls: 500, accuracy: accuracyOf(input.lmLabels) });
  });

  it("agrees with routing each threshold by brute force", () => {
    const input = randomInput(300, 11, 40);
    const curve = computeOperatingCurve(input);
    expect(curve.length).toBeLessThanOrEqual(41 + 1);
    for (const point of curve) {
      const routed = routePredictions(input, point.threshold);
      const correct = routed.filter((label, row) => label === input.gold[row]).length;
      expect(point.accuracy).toBeCloseTo(correct / 300, 12);
      expect(evaluateThreshold(input, point.threshold)).toEqual(point);
    }
    const shares = curve.map((point) => point.lmShare);
    expect(shares).toEqual([...shares].sort((left, right) => left - right));
  });

  it("returns no points for no rows and rejects NaN scores and misaligned columns", () => {
    expect(computeOperatingCurve({ gold: [], ssmLabels: [], lmLabels: [], scores: [] })).toEqual([]);
    expect(() => computeOperatingCurve({ ...small, scores: [0, Number.NaN, 0, 0, 0] })).toThrow(
      /row 1 is NaN/,
    );
    expect(() => computeOperatingCurve({ ...small, lmLabels: ["a"] })).toThrow(/lmLabels has 1 rows/);
  });

  it("keeps thresholds finite so the curve survives JSON", () => {
    const curve = computeOperatingCurve({ ...small, scores: [1e300, 5, 4, 3, 2] });
    expect(curve.every((point) => Number.isFinite(point.threshold))).toBe(true);
    expect(curve[0]!.threshold).toBeGreaterThan(1e300);
  });
});

describe("operating point helpers", () => {
  const curve = computeOperatingCurve(small);

  it("finds the best accuracy within an LM-share budget, preferring fewer calls on ties", () => {
    expect(bestPointWithinShare(curve, 0.5)).toMatchObject({ lmShare: 0.2, accuracy: 0.8 });
    expect(bestPointWithinShare(curve, 0.1)).toMatchObject({ lmShare: 0, accuracy: 0.6 });
    expect(bestPointWithinShare(curve, 1)).toMatchObject({ lmShare: 0.2 });
    expect(bestPointWithinShare([], 1)).toBeUndefined();
  });

  it("finds the cheapest point reaching an accuracy target", () => {
    expect(cheapestPointReaching(curve, 0.7)).toMatchObject({ lmShare: 0.2, threshold: 0.8 });
    expect(cheapestPointReaching(curve, 0.6)).toMatchObject({ lmShare: 0 });
    expect(cheapestPointReaching(curve, 0.9)).toBeUndefined();
  });

  it("routes by threshold and measures a fixed threshold", () => {
    expect(routePredictions(small, 0.5)).toEqual(["a", "a", "b", undefined, "c"]);
    expect(evaluateThreshold(small, 0.5)).toEqual({
      threshold: 0.5,
      lmCalls: 3,
      lmShare: 0.6,
      accuracy: 0.8,
    });
  });

  it("computes the oracle: right wherever either side is", () => {
    expect(computeOracleAccuracy(small.gold, small.ssmLabels, small.lmLabels)).toBeCloseTo(0.8, 12);
    expect(oraclePredictions(small.gold, small.ssmLabels, small.lmLabels)).toEqual(["a", "a", "b", "a", "c"]);
  });
});

describe("thinOperatingCurve", () => {
  it("keeps at most maxPoints, the endpoints and the most accurate point, in share order", () => {
    const curve = computeOperatingCurve(randomInput(3000, 5, 1_000_000));
    expect(curve.length).toBeGreaterThan(2000);
    const thin = thinOperatingCurve(curve, 200);
    expect(thin.length).toBeLessThanOrEqual(200);
    expect(thin.length).toBeGreaterThan(150);
    expect(thin[0]).toEqual(curve[0]);
    expect(thin.at(-1)).toEqual(curve.at(-1));
    const best = Math.max(...curve.map((point) => point.accuracy));
    expect(thin.some((point) => point.accuracy === best)).toBe(true);
    for (let index = 1; index < thin.length; index++) {
      expect(thin[index]!.lmShare).toBeGreaterThan(thin[index - 1]!.lmShare);
    }
    // Evenly spread: no gap much wider than 1/150 of the share axis.
    const widestGap = Math.max(...thin.slice(1).map((point, index) => point.lmShare - thin[index]!.lmShare));
    expect(widestGap).toBeLessThan(1 / 150);
  });

  it("returns short curves unchanged", () => {
    const curve = computeOperatingCurve(small);
    expect(thinOperatingCurve(curve, 200)).toEqual(curve);
  });
});
