/**
 * The router threshold that sends `lmShare` of the rows to the LM: the score of the
 * `round(lmShare × rows)`-th highest-scored row (+Infinity when none is sent).
 */
export function thresholdForShare(scores: Float64Array, lmShare: number): number {
  const sortedScores = Array.from(scores).sort((left, right) => right - left);
  const routedCount = Math.round(lmShare * scores.length);
  return routedCount <= 0 ? Number.POSITIVE_INFINITY : (sortedScores[routedCount - 1] ?? 0);
}
