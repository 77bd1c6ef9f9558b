import { describe, expect, it } from "vitest";
import { estimateCost, formatCost } from "../../src/evaluate/cost-estimate.js";
import { nearestRankPercentile, summarizeLatencies } from "../../src/evaluate/latency-summary.js";

describe("summarizeLatencies", () => {
  it("uses nearest-rank percentiles on 1..100", () => {
    const durations = Float64Array.from({ length: 100 }, (_, index) => 100 - index); // unsorted on purpose
    expect(summarizeLatencies(durations)).toEqual({
      count: 100,
      mean: 50.5,
      min: 1,
      max: 100,
      p50: 50,
      p95: 95,
      p99: 99,
    });
    expect(durations[0]).toBe(100); // the input is not sorted in place
  });

  it("picks measured values on small sets", () => {
    // n = 3: ranks ceil(1.5) = 2, ceil(2.85) = 3, ceil(2.97) = 3.
    expect(summarizeLatencies([3, 1, 2])).toMatchObject({ p50: 2, p95: 3, p99: 3, mean: 2 });
    expect(nearestRankPercentile(Float64Array.of(7), 1)).toBe(7);
  });

  it("gives zeros for no durations and rejects NaN", () => {
    expect(summarizeLatencies([])).toEqual({ count: 0, mean: 0, min: 0, max: 0, p50: 0, p95: 0, p99: 0 });
    expect(() => summarizeLatencies([1, Number.NaN])).toThrow(/duration 1 is NaN/);
    expect(() => nearestRankPercentile(Float64Array.of(1), 0)).toThrow(RangeError);
  });
});

describe("estimateCost", () => {
  it("prices input and output tokens per million", () => {
    const estimate = estimateCost(
      { calls: 4, inputTokens: 2_000_000, outputTokens: 500_000 },
      { inputPerMillion: 2.5, outputPerMillion: 10 },
    );
    expect(estimate).toEqual({
      calls: 4,
      inputTokens: 2_000_000,
      outputTokens: 500_000,
      known: true,
      totalUsd: 10,
      perCallUsd: 2.5,
    });
    expect(formatCost(estimate)).toBe("$10.00");
    expect(formatCost({ known: true, totalUsd: 0.012345 })).toBe("$0.0123");
  });

  it("is zero and unknown without prices", () => {
    const estimate = estimateCost({ calls: 3, inputTokens: 300, outputTokens: 30 });
    expect(estimate).toMatchObject({ known: false, totalUsd: 0, perCallUsd: 0 });
    expect(formatCost(estimate)).toBe("unknown");
  });

  it("rejects negative counts and prices", () => {
    expect(() => estimateCost({ calls: -1, inputTokens: 0, outputTokens: 0 })).toThrow(/calls/);
    expect(() =>
      estimateCost(
        { calls: 1, inputTokens: 1, outputTokens: 1 },
        { inputPerMillion: -1, outputPerMillion: 0 },
      ),
    ).toThrow(/inputPerMillion/);
  });
});
