import type { CurvePoint } from "./operating-point.js";
import { noRowsPoint, safetyZ } from "./operating-point.js";

/** The out-of-fold outcomes (0/1) of the probed rows that the agreement rule reads. */
export interface AgreementOutcomes {
  ssmRight: Uint8Array;
  lmRight: Uint8Array;
}

/**
 * The `max-disagreement` criterion: on `curve` (from `estimateCurve` over the same `scores`), the
 * cheapest point where the inputs the SSM answers lose at most `maxDisagreement` of them against
 * the LM's answer. A row's loss is `lmRight − ssmRight` (−1, 0 or 1): where the reference is the
 * LM's own answer (no gold label) it is 1 exactly where the SSM's answer differs from the LM's,
 * so the rule bounds the disagreement; where a gold label exists, a row the SSM gets right and
 * the LM wrong counts −1. Estimated one-sided like the `default` rule: the mean loss plus
 * `safetyZ` (2.326, 99%) standard errors, with one pseudo differing row in the variance, must be at
 * most `maxDisagreement`; and no costlier point may be significantly above the bound (its mean
 * loss minus `safetyZ` standard errors above `maxDisagreement`: a lucky point below rows the router
 * ranks as safer, yet which clearly disagree, is noise). A costlier point with few rows is no
 * evidence either way: holding it to the point's own test would let one disagreement among the
 * 25 most confident of 710 rows (imdb's train+dev curve, out of fold) block every cheaper point.
 * The point that sends every input to the LM always passes.
 */
export function chooseAgreementPoint(
  curve: readonly CurvePoint[],
  scores: Float64Array,
  outcomes: AgreementOutcomes,
  maxDisagreement: number,
): CurvePoint {
  const count = scores.length;
  const order = Array.from({ length: count }, (_, index) => index).sort(
    (left, right) => (scores[right] ?? 0) - (scores[left] ?? 0),
  );
  // Suffix sums over the routing order: the rows from `routed` on are the ones the SSM answers.
  const loss = new Float64Array(count + 1);
  const differing = new Float64Array(count + 1);
  for (let position = count - 1; position >= 0; position -= 1) {
    const row = order[position] ?? 0;
    const difference = (outcomes.lmRight[row] ?? 0) - (outcomes.ssmRight[row] ?? 0);
    loss[position] = (loss[position + 1] ?? 0) + difference;
    differing[position] = (differing[position + 1] ?? 0) + Math.abs(difference);
  }
  // The mean loss of the rows the SSM answers at `point`, and its standard error (`pseudo` differing rows added).
  const lossAt = (point: CurvePoint, pseudo: number): { mean: number; error: number } | undefined => {
    const routed = Math.round(point.lmShare * count);
    const answered = count - routed;
    if (answered <= 0) return undefined;
    const mean = (loss[routed] ?? 0) / answered;
    const variance = Math.max((differing[routed] ?? 0) / answered - mean * mean, 0) + pseudo / answered;
    return { mean, error: Math.sqrt(variance / answered) };
  };
  const safe = (point: CurvePoint): boolean => {
    const at = lossAt(point, 1);
    return at === undefined || at.mean + safetyZ * at.error <= maxDisagreement + 1e-12;
  };
  const harmful = (point: CurvePoint): boolean => {
    const at = lossAt(point, 0);
    return at !== undefined && at.mean - safetyZ * at.error > maxDisagreement + 1e-12;
  };
  let chosen = curve[curve.length - 1];
  for (let index = curve.length - 1; index >= 0; index -= 1) {
    const point = curve[index];
    if (point === undefined) continue;
    if (harmful(point)) break;
    if (safe(point)) chosen = point;
  }
  return chosen ?? curve[0] ?? noRowsPoint();
}
