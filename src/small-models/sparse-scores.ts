/**
 * scores[k] = bias[k] + Σ values[e] · weights[columns[e] · classes + k] over entries [start, end).
 * Blocked eight (then four) classes at a time with local accumulators: no store per feature, the hot loop of
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
  for (; k + 8 <= classes; k += 8)
    scoreEightClasses(weights, bias, classes, columns, values, start, end, scores, k);
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
  const rest = classes - k;
  if (rest === 0) return;
  // The last one to three classes in one pass over the entries (each sum in the same order as alone).
  const base0 = k;
  let score0 = bias[base0]!;
  let score1 = rest > 1 ? bias[base0 + 1]! : 0;
  let score2 = rest > 2 ? bias[base0 + 2]! : 0;
  if (rest === 1) {
    for (let entry = start; entry < end; entry++)
      score0 += values[entry]! * weights[columns[entry]! * classes + base0]!;
  } else if (rest === 2) {
    for (let entry = start; entry < end; entry++) {
      const value = values[entry]!;
      const base = columns[entry]! * classes + base0;
      score0 += value * weights[base]!;
      score1 += value * weights[base + 1]!;
    }
  } else {
    for (let entry = start; entry < end; entry++) {
      const value = values[entry]!;
      const base = columns[entry]! * classes + base0;
      score0 += value * weights[base]!;
      score1 += value * weights[base + 1]!;
      score2 += value * weights[base + 2]!;
    }
  }
  scores[base0] = score0;
  if (rest > 1) scores[base0 + 1] = score1;
  if (rest > 2) scores[base0 + 2] = score2;
}

/** `scoreSparseRow` for classes k..k+7: eight sums, each over the entries in order. */
function scoreEightClasses(
  weights: Float32Array,
  bias: Float32Array,
  classes: number,
  columns: Int32Array,
  values: Float32Array,
  start: number,
  end: number,
  scores: Float64Array,
  k: number,
): void {
  let score0 = bias[k]!;
  let score1 = bias[k + 1]!;
  let score2 = bias[k + 2]!;
  let score3 = bias[k + 3]!;
  let score4 = bias[k + 4]!;
  let score5 = bias[k + 5]!;
  let score6 = bias[k + 6]!;
  let score7 = bias[k + 7]!;
  for (let entry = start; entry < end; entry++) {
    const value = values[entry]!;
    const base = columns[entry]! * classes + k;
    score0 += value * weights[base]!;
    score1 += value * weights[base + 1]!;
    score2 += value * weights[base + 2]!;
    score3 += value * weights[base + 3]!;
    score4 += value * weights[base + 4]!;
    score5 += value * weights[base + 5]!;
    score6 += value * weights[base + 6]!;
    score7 += value * weights[base + 7]!;
  }
  scores[k] = score0;
  scores[k + 1] = score1;
  scores[k + 2] = score2;
  scores[k + 3] = score3;
  scores[k + 4] = score4;
  scores[k + 5] = score5;
  scores[k + 6] = score6;
  scores[k + 7] = score7;
}
