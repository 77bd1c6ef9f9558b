import { type CurvePoint, estimateCurve } from "../../src/fit/operating-point.js";

/** The out-of-fold outcomes of the probed labelled rows of one scenario, one entry per row. */
export interface Outcomes {
  /** The router's score (the row goes to the LM at or above the threshold). */
  scores: Float64Array;
  ssmRight: Uint8Array;
  gatedRight: Uint8Array;
  lmRight: Uint8Array;
}

/** The operating curve of the given rows (indices into the outcomes). */
export function curveOf(outcomes: Outcomes, rows: readonly number[]): CurvePoint[] {
  return estimateCurve(
    Float64Array.from(rows, (row) => outcomes.scores[row] ?? 0),
    Uint8Array.from(rows, (row) => outcomes.ssmRight[row] ?? 0),
    Uint8Array.from(rows, (row) => outcomes.gatedRight[row] ?? 0),
    Uint8Array.from(rows, (row) => outcomes.lmRight[row] ?? 0),
  );
}

/** Routes the rows scored at or above `threshold` (as the adapter does) and measures them. */
export function applyThreshold(
  outcomes: Outcomes,
  rows: readonly number[],
  threshold: number,
): { gain: number; lmShare: number } {
  let gain = 0;
  let routed = 0;
  for (const row of rows) {
    const toLm = (outcomes.scores[row] ?? 0) >= threshold;
    if (toLm) routed += 1;
    const right = toLm ? (outcomes.gatedRight[row] ?? 0) : (outcomes.ssmRight[row] ?? 0);
    gain += right - (outcomes.lmRight[row] ?? 0);
  }
  const count = Math.max(rows.length, 1);
  return { gain: gain / count, lmShare: routed / count };
}

/** The indices of every row of the outcomes. */
export function allRows(outcomes: Outcomes): number[] {
  return Array.from({ length: outcomes.scores.length }, (_, index) => index);
}

/** The share of ones. */
export function mean(values: Uint8Array): number {
  let total = 0;
  for (const value of values) total += value;
  return values.length > 0 ? total / values.length : 0;
}
