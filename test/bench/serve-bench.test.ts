import { describe, expect, it } from "vitest";
import { mean, median, round } from "../../bench/serve-bench/statistics.js";

describe("serve benchmark statistics", () => {
  it("takes the middle value, or the mean of the middle two, without reordering its input", () => {
    const values = [5, 1, 3];
    expect(median(values)).toBe(3);
    expect(values).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it("averages and rounds to the given decimals", () => {
    expect(mean([1, 2, 4])).toBeCloseTo(7 / 3, 12);
    expect(round(1.23456)).toBe(1.23);
    expect(round(1.23456, 3)).toBe(1.235);
  });
});
