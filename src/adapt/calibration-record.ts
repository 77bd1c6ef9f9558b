import type { FittedAdaptation } from "../fit/fitted-adaptation.js";
import type { ProbeSummary } from "./probe-rows.js";

/**
 * What `calibration.json` holds: the out-of-fold estimates, the operating point, the complement
 * strengths tried, the row counts, the probe summary, the underfit map and the curve (thinned to
 * 200 points).
 */
export function buildCalibrationRecord(
  fitted: FittedAdaptation,
  rowCounts: { train: number; calib: number },
  probe: ProbeSummary,
): Record<string, unknown> {
  return {
    estimates: fitted.estimates,
    operatingPoint: fitted.operatingPoint,
    candidates: fitted.candidates,
    counts: { ...fitted.counts, train: rowCounts.train, calib: rowCounts.calib },
    probe,
    underfitMap: fitted.underfitMap,
    curve: thinCurve(fitted.curve, 200),
  };
}

/** At most `maxPoints` points of the curve, evenly spaced, the first and last included. */
function thinCurve<Point extends { lmShare: number }>(points: readonly Point[], maxPoints: number): Point[] {
  if (points.length <= maxPoints) return [...points];
  const step = (points.length - 1) / (maxPoints - 1);
  const kept: Point[] = [];
  for (let index = 0; index < maxPoints; index += 1) {
    const point = points[Math.round(index * step)];
    if (point !== undefined) kept.push(point);
  }
  return kept;
}
