/**
 * Summary of a set of durations, in the unit they were given (ms or µs — the caller knows).
 * Percentiles use the nearest-rank method: the p-th percentile is the smallest value such that
 * at least p% of the values are less than or equal to it (sorted[ceil(p/100 · n) − 1]), so every
 * reported percentile is a duration that was actually measured. With no durations all fields are 0.
 */
export interface LatencySummary {
  count: number;
  mean: number;
  min: number;
  max: number;
  p50: number;
  p95: number;
  p99: number;
}

/** Nearest-rank percentile (0 < percent <= 100) of ascending-sorted values; 0 for no values. */
export function nearestRankPercentile(sortedValues: Float64Array, percent: number): number {
  if (!(percent > 0 && percent <= 100))
    throw new RangeError(`percentile must be in (0, 100], got ${percent}`);
  if (sortedValues.length === 0) return 0;
  const rank = Math.ceil((percent / 100) * sortedValues.length);
  return sortedValues[Math.min(sortedValues.length, Math.max(1, rank)) - 1]!;
}

/** Mean, min, max and nearest-rank p50/p95/p99 of `durations` (not modified; NaN values are rejected). */
export function summarizeLatencies(durations: Float64Array | readonly number[]): LatencySummary {
  const sorted = Float64Array.from(durations);
  if (sorted.length === 0) return { count: 0, mean: 0, min: 0, max: 0, p50: 0, p95: 0, p99: 0 };
  let sum = 0;
  for (let position = 0; position < sorted.length; position++) {
    const value = sorted[position]!;
    if (Number.isNaN(value)) throw new RangeError(`duration ${position} is NaN`);
    sum += value;
  }
  sorted.sort();
  return {
    count: sorted.length,
    mean: sum / sorted.length,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    p50: nearestRankPercentile(sorted, 50),
    p95: nearestRankPercentile(sorted, 95),
    p99: nearestRankPercentile(sorted, 99),
  };
}
