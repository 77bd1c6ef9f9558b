import type { OperatingCriterion } from "../../adapter/operating-criterion.js";
import type { CurvePoint } from "../operating-point.js";

/**
 * What the criterion maximises, for a curve and the point chosen on it: accuracy minus the LM
 * calls' cost (`lm-cost`), the accuracy under the cap (`max-lm-share`), else the curve's best
 * accuracy minus a hundredth of the chosen LM share; with `max-disagreement` (every point chosen
 * meets the same bound), the share of inputs kept off the LM.
 */
export function objectiveOf(
  criterion: OperatingCriterion,
  curve: readonly CurvePoint[],
  chosen: CurvePoint,
): number {
  if (criterion.kind === "max-disagreement") return 1 - chosen.lmShare;
  const best = curve.reduce((value, point) => Math.max(value, point.accuracy), 0);
  return criterion.kind === "lm-cost"
    ? chosen.accuracy - criterion.lmCost * chosen.lmShare
    : criterion.kind === "max-lm-share"
      ? chosen.accuracy
      : best - 0.01 * chosen.lmShare;
}
