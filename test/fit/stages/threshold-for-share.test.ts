import { describe, expect, it } from "vitest";
import { thresholdForShare } from "../../../src/fit/stages/threshold-for-share.js";

describe("thresholdForShare", () => {
  const scores = Float64Array.from([0.1, 0.9, 0.5, 0.3]);

  it("is the score of the last row sent to the LM, highest scores first", () => {
    expect(thresholdForShare(scores, 0.5)).toBe(0.5);
    expect(thresholdForShare(scores, 1)).toBe(0.1);
    // round(0.3 × 4) = 1 row.
    expect(thresholdForShare(scores, 0.3)).toBe(0.9);
  });

  it("sends nothing to the LM when the share rounds to no row", () => {
    expect(thresholdForShare(scores, 0)).toBe(Number.POSITIVE_INFINITY);
    expect(thresholdForShare(scores, 0.1)).toBe(Number.POSITIVE_INFINITY);
    expect(thresholdForShare(new Float64Array(0), 0.5)).toBe(Number.POSITIVE_INFINITY);
  });

  it("leaves the scores in their order", () => {
    thresholdForShare(scores, 0.5);
    expect(Array.from(scores)).toEqual([0.1, 0.9, 0.5, 0.3]);
  });
});
