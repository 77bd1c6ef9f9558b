import { z } from "zod";

/**
 * The operating point: how many inputs go to the LM. Chosen on the out-of-fold estimate of the
 * accuracy-against-LM-share curve, by one of three criteria:
 * - `max-lm-share`: the most accurate point whose LM share is at most `maxLmShare`;
 * - `lm-cost`: the point maximising `accuracy − lmCost × lmShare` (accuracy and share in 0..1, so
 *   `--lm-cost 0.05` means sending every input to the LM must buy at least 5 accuracy points);
 * - `default`: the cheapest point whose estimated accuracy is within `defaultTolerance` (0.2
 *   accuracy points) or one paired standard error of the best point's (the best point of a curve
 *   estimated on a few hundred rows is partly luck) and is not below the LM alone's:
 *   its paired gain over the LM alone, minus 2.326 standard errors (one-sided 99%), must be at least 0,
 *   there and at every costlier point. Where the SSM
 *   is weak this pushes the point toward calling the LM nearly always; sending everything to the
 *   LM always qualifies when the gate adds nothing over the LM's answer.
 */
export type OperatingCriterion =
  | { kind: "default" }
  | { kind: "max-lm-share"; maxLmShare: number }
  | { kind: "lm-cost"; lmCost: number };

export const operatingCriterionSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("default") }),
  z.object({ kind: z.literal("max-lm-share"), maxLmShare: z.number().min(0).max(1) }),
  z.object({ kind: z.literal("lm-cost"), lmCost: z.number().min(0) }),
]);

export const defaultTolerance = 0.002;
/**
 * How sure the estimate must be that a point is not below the LM alone: the one-sided 99% normal
 * quantile (a point is picked among many, and a lower bar lets lucky points through: on imdb, 1.645
 * picked a point that was 0.7 points below the LM alone on the test split).
 */
export const safetyZ = 2.326;

export interface CurvePoint {
  /** Inputs whose router score is at least this go to the LM (+Infinity: none). */
  threshold: number;
  lmShare: number;
  accuracy: number;
  /** Accuracy minus the LM alone's, on the same rows (paired). */
  gainOverLm: number;
  /** The standard error of that paired gain. */
  gainStandardError: number;
  /** Over the routed rows, Σ(routed right − SSM right) and Σ|routed right − SSM right| (for paired comparisons). */
  routedGain: number;
  routedDiffering: number;
  rows: number;
}

/** The operating point an adapter keeps: where its router sends inputs to the LM, and why. */
export interface AdapterOperatingPoint {
  /** Inputs whose router score is at least this go to the LM; null = never. */
  threshold: number;
  lmShare: number;
  estimatedAccuracy: number;
  criterion: OperatingCriterion;
}

/** The only point of a curve over no rows: nothing goes to the LM. */
function noRowsPoint(): CurvePoint {
  return {
    threshold: Number.POSITIVE_INFINITY,
    lmShare: 0,
    accuracy: 0,
    gainOverLm: 0,
    gainStandardError: 0,
    routedGain: 0,
    routedDiffering: 0,
    rows: 0,
  };
}

/**
 * The estimated curve over every distinct threshold: rows sorted by score, the top `n` routed to
 * the LM (scored by `routedRight`), the rest answered by the SSM (`ssmRight`).
 */
export function estimateCurve(
  scores: Float64Array,
  ssmRight: Uint8Array,
  routedRight: Uint8Array,
  lmRight: Uint8Array,
): CurvePoint[] {
  const count = scores.length;
  if (count === 0) return [noRowsPoint()];
  const order = Array.from({ length: count }, (_, index) => index).sort(
    (left, right) => (scores[right] ?? 0) - (scores[left] ?? 0),
  );
  let right = 0;
  // Paired differences d = right − lmRight ∈ {−1, 0, 1}: their sum, and the sum of d² = |d|.
  let gain = 0;
  let differing = 0;
  let routedGain = 0;
  let routedDiffering = 0;
  for (let index = 0; index < count; index += 1) {
    right += ssmRight[index] ?? 0;
    const difference = (ssmRight[index] ?? 0) - (lmRight[index] ?? 0);
    gain += difference;
    differing += Math.abs(difference);
  }
  const point = (threshold: number, routed: number): CurvePoint => {
    const mean = gain / count;
    const variance = Math.max(differing / count - mean * mean, 0);
    return {
      threshold,
      lmShare: routed / count,
      accuracy: right / count,
      gainOverLm: mean,
      gainStandardError: Math.sqrt(variance / count),
      routedGain,
      routedDiffering,
      rows: count,
    };
  };
  const points: CurvePoint[] = [point(Number.POSITIVE_INFINITY, 0)];
  for (let position = 0; position < count; position += 1) {
    const row = order[position] ?? 0;
    const before = (ssmRight[row] ?? 0) - (lmRight[row] ?? 0);
    const after = (routedRight[row] ?? 0) - (lmRight[row] ?? 0);
    right += (routedRight[row] ?? 0) - (ssmRight[row] ?? 0);
    routedGain += (routedRight[row] ?? 0) - (ssmRight[row] ?? 0);
    routedDiffering += Math.abs((routedRight[row] ?? 0) - (ssmRight[row] ?? 0));
    gain += after - before;
    differing += Math.abs(after) - Math.abs(before);
    const score = scores[row] ?? 0;
    const next = order[position + 1];
    if (next !== undefined && scores[next] === score) continue;
    points.push(point(score, position + 1));
  }
  return points;
}

export function chooseOperatingPoint(
  curve: readonly CurvePoint[],
  criterion: OperatingCriterion,
): CurvePoint {
  const first = curve[0] ?? noRowsPoint();
  let chosen = first;
  if (criterion.kind === "max-lm-share") {
    for (const point of curve) {
      if (point.lmShare <= criterion.maxLmShare + 1e-12 && point.accuracy > chosen.accuracy) chosen = point;
    }
    return chosen;
  }
  if (criterion.kind === "lm-cost") {
    let bestValue = Number.NEGATIVE_INFINITY;
    for (const point of curve) {
      const value = point.accuracy - criterion.lmCost * point.lmShare;
      if (value > bestValue + 1e-12) {
        bestValue = value;
        chosen = point;
      }
    }
    return chosen;
  }
  const notBelowLm = (point: CurvePoint): boolean =>
    point.gainOverLm - safetyZ * point.gainStandardError >= -1e-12;
  let best = first;
  for (const point of curve) if (point.accuracy > best.accuracy) best = point;
  const nearBest = (point: CurvePoint): boolean => {
    const shortfall = best.accuracy - point.accuracy;
    if (shortfall <= defaultTolerance + 1e-12) return true;
    if (point.lmShare >= best.lmShare || point.rows === 0) return false;
    // Paired comparison with the best point: only the rows routed by one and not the other differ.
    const differing = (best.routedDiffering - point.routedDiffering) / point.rows;
    const variance = Math.max(differing - shortfall * shortfall, 0);
    return shortfall <= Math.sqrt(variance / point.rows) + 1e-12;
  };
  // Safe from here on: this point and every costlier one are not below the LM alone. (One lucky
  // point amid unsafe neighbours is noise: with many points to pick from, some pass by chance.)
  const safeFromHere = new Array<boolean>(curve.length).fill(false);
  let allSafe = true;
  for (let index = curve.length - 1; index >= 0; index -= 1) {
    const point = curve[index];
    allSafe = allSafe && point !== undefined && notBelowLm(point);
    safeFromHere[index] = allSafe;
  }
  for (const [index, point] of curve.entries()) {
    if (nearBest(point) && safeFromHere[index] === true) return point;
  }
  // No point near the best is safely above the LM alone: the most accurate point that is.
  let fallback: CurvePoint | undefined;
  for (const point of curve) {
    if (notBelowLm(point) && (fallback === undefined || point.accuracy > fallback.accuracy)) fallback = point;
  }
  return fallback ?? curve[curve.length - 1] ?? chosen;
}
