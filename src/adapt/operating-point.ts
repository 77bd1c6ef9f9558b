import { z } from "zod";

/**
 * The operating point: how many inputs go to the LM. Chosen on the out-of-fold estimate of the
 * accuracy-against-LM-share curve, by one of three criteria:
 * - `max-lm-share`: the most accurate point whose LM share is at most `maxLmShare`;
 * - `lm-cost`: the point maximising `accuracy − lmCost × lmShare` (accuracy and share in 0..1, so
 *   `--lm-cost 0.05` means sending every input to the LM must buy at least 5 accuracy points);
 * - `default`: the cheapest point whose estimated accuracy is within `defaultTolerance` (0.2
 *   accuracy points) of the best estimated accuracy on the curve, and never below the LM alone's
 *   estimated accuracy (unless no point reaches it, then the best point).
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

export interface CurvePoint {
  /** Inputs whose router score is at least this go to the LM (+Infinity: none). */
  threshold: number;
  lmShare: number;
  accuracy: number;
}

export const curvePointSchema = z.object({
  threshold: z.number().or(z.null()).transform((value) => value ?? Number.POSITIVE_INFINITY),
  lmShare: z.number(),
  accuracy: z.number(),
});

/**
 * The estimated curve over every distinct threshold: rows sorted by score, the top `n` routed to
 * the LM (scored by `routedRight`), the rest answered by the SSM (`ssmRight`).
 */
export function estimateCurve(
  scores: Float64Array,
  ssmRight: Uint8Array,
  routedRight: Uint8Array,
): CurvePoint[] {
  const count = scores.length;
  if (count === 0) return [{ threshold: Number.POSITIVE_INFINITY, lmShare: 0, accuracy: 0 }];
  const order = Array.from({ length: count }, (_, index) => index).sort(
    (left, right) => (scores[right] ?? 0) - (scores[left] ?? 0),
  );
  let right = 0;
  for (let index = 0; index < count; index += 1) right += ssmRight[index] ?? 0;
  const points: CurvePoint[] = [{ threshold: Number.POSITIVE_INFINITY, lmShare: 0, accuracy: right / count }];
  for (let position = 0; position < count; position += 1) {
    const row = order[position] ?? 0;
    right += (routedRight[row] ?? 0) - (ssmRight[row] ?? 0);
    const score = scores[row] ?? 0;
    const next = order[position + 1];
    if (next !== undefined && scores[next] === score) continue;
    points.push({ threshold: score, lmShare: (position + 1) / count, accuracy: right / count });
  }
  return points;
}

export function chooseOperatingPoint(
  curve: readonly CurvePoint[],
  criterion: OperatingCriterion,
  lmAloneAccuracy: number,
): CurvePoint {
  const first = curve[0] ?? { threshold: Number.POSITIVE_INFINITY, lmShare: 0, accuracy: 0 };
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
  let best = first.accuracy;
  for (const point of curve) best = Math.max(best, point.accuracy);
  const target = Math.min(best, Math.max(best - defaultTolerance, lmAloneAccuracy));
  for (const point of curve) {
    if (point.accuracy >= target - 1e-12) return point;
  }
  return chosen;
}
