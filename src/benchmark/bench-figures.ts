import { computeClassificationMetrics } from "../evaluate/classification-metrics.js";

/** One system's figures on the test split. */
export interface SystemFigures {
  accuracy: number;
  macroF1: number;
  lmShare: number;
}

/** The accuracy and macro-F1 of `predicted` against `gold`, with the LM share given. */
export function systemFigures(
  gold: readonly string[],
  predicted: readonly (string | undefined)[],
  labels: readonly string[],
  lmShare: number,
): SystemFigures {
  const metrics = computeClassificationMetrics(gold, predicted, labels);
  return { accuracy: metrics.accuracy, macroF1: metrics.macroF1, lmShare };
}

/** The share of rows flagged 1 (0 for no rows). */
export function share(flags: Uint8Array): number {
  if (flags.length === 0) return 0;
  let total = 0;
  for (const flag of flags) total += flag;
  return total / flags.length;
}
