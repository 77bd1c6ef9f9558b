/**
 * scores[k] = bias[k] + Σ values[e] · weights[columns[e] · classes + k] over entries [start, end).
 * Blocked four classes at a time with local accumulators: no store per feature, the hot loop of
 * both training and prediction.
 */
export function scoreSparseRow(
  weights: Float32Array,
  bias: Float32Array,
  classes: number,
  columns: Int32Array,
  values: Float32Array,
  start: number,
  end: number,
  scores: Float64Array,
): void {
  let k = 0;
  for (; k + 4 <= classes; k += 4) {
    let score0 = bias[k]!;
    let score1 = bias[k + 1]!;
    let score2 = bias[k + 2]!;
    let score3 = bias[k + 3]!;
    for (let entry = start; entry < end; entry++) {
      const value = values[entry]!;
      const base = columns[entry]! * classes + k;
      score0 += value * weights[base]!;
      score1 += value * weights[base + 1]!;
      score2 += value * weights[base + 2]!;
      score3 += value * weights[base + 3]!;
    }
    scores[k] = score0;
    scores[k + 1] = score1;
    scores[k + 2] = score2;
    scores[k + 3] = score3;
  }
  for (; k < classes; k++) {
    let score = bias[k]!;
    for (let entry = start; entry < end; entry++)
      score += values[entry]! * weights[columns[entry]! * classes + k]!;
    scores[k] = score;
  }
}
