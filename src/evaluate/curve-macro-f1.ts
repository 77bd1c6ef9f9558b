import { computeClassificationMetrics } from "./classification-metrics.js";
import type { OperatingCurveInput, OperatingPoint } from "./operating-curve.js";

/**
 * The curve's points with the macro-F1 of the routed answers at each threshold (rows with
 * `score >= threshold` answered by the LM side, the others by the SSM), for reports whose
 * operating point was chosen by macro-F1. Thin the curve first: each point is one pass over the rows.
 */
export function withMacroF1(
  points: readonly OperatingPoint[],
  input: OperatingCurveInput,
  labels: readonly string[],
): (OperatingPoint & { macroF1: number })[] {
  const rows = input.gold.length;
  return points.map((point) => {
    const answers = Array.from({ length: rows }, (_, row) =>
      (input.scores[row] ?? Number.NEGATIVE_INFINITY) >= point.threshold
        ? input.lmLabels[row]
        : input.ssmLabels[row],
    );
    return { ...point, macroF1: computeClassificationMetrics(input.gold, answers, labels).macroF1 };
  });
}
