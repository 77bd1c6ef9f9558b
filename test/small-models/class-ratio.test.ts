import { describe, expect, it } from "vitest";
import { applyClassRatioWeighting } from "../../src/small-models/class-ratio-weighting.js";
import type { FeatureMatrix } from "../../src/small-models/feature-matrix.js";

/** Three features over four rows: 0 only in class 0, 1 in every row, 2 only in class 1. */
function matrix(): FeatureMatrix {
  const half = Math.SQRT1_2;
  return {
    rowStart: Int32Array.from([0, 2, 4, 6, 8]),
    columns: Int32Array.from([0, 1, 0, 1, 2, 1, 2, 1]),
    values: Float32Array.from([half, half, half, half, half, half, half, half]),
    featureBuckets: Int32Array.from([3, 5, 9]),
    featureIdf: Float32Array.from([2, 1, 2]),
    unseenIdf: 3,
  };
}

describe("applyClassRatioWeighting", () => {
  const labels = Int32Array.from([0, 0, 1, 1]);
  const all = Int32Array.from([0, 1, 2, 3]);
  const ones = new Float32Array(4).fill(1);

  it("weights class-specific features up, shared ones to zero, and keeps rows unit length", () => {
    const weighted = matrix();
    applyClassRatioWeighting(weighted, labels, 2, all, ones);
    expect(weighted.featureIdf[1]).toBeCloseTo(0, 6);
    expect(weighted.featureIdf[0]).toBeGreaterThan(1);
    expect(weighted.featureIdf[0]).toBeCloseTo(weighted.featureIdf[2]!, 6);
    for (let row = 0; row < 4; row++) {
      const start = weighted.rowStart[row]!;
      const norm = Math.hypot(weighted.values[start]!, weighted.values[start + 1]!);
      expect(norm).toBeCloseTo(1, 5);
    }
    expect(weighted.unseenIdf).toBeLessThan(3);
  });

  it("counts only the given rows with their weights (held-out rows do not see their labels)", () => {
    const onlyClassZero = matrix();
    applyClassRatioWeighting(onlyClassZero, labels, 2, Int32Array.from([0, 1]), ones);
    const zeroWeighted = matrix();
    applyClassRatioWeighting(zeroWeighted, labels, 2, all, Float32Array.from([1, 1, 0, 0]));
    expect([...zeroWeighted.featureIdf]).toEqual([...onlyClassZero.featureIdf]);
    const full = matrix();
    applyClassRatioWeighting(full, labels, 2, all, ones);
    expect([...full.featureIdf]).not.toEqual([...onlyClassZero.featureIdf]);
  });
});
