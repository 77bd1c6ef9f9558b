import type { LmReliability } from "../adapter/lm-reliability.js";

/**
 * Example weights that make the SSM complement the LM: raised for labels the LM recalls badly
 * (`1 − recall`) and, where the LM's answer on the row is known, for rows it got wrong. `strength`
 * 0 gives plain weights. The weights are normalised to a mean of 1 over the rows given.
 */
export function complementWeights(
  rows: readonly number[],
  goldIds: Int32Array,
  answerIds: Int32Array,
  reliability: LmReliability,
  strength: number,
): Float32Array {
  const weights = new Float32Array(rows.length);
  let total = 0;
  rows.forEach((row, index) => {
    const gold = goldIds[row] ?? 0;
    const answer = answerIds[row] ?? -2;
    let weight = 1 + strength * (1 - (reliability.recall[gold] ?? reliability.accuracy));
    if (answer !== -2 && answer !== gold) weight += strength;
    weights[index] = weight;
    total += weight;
  });
  const mean = rows.length > 0 ? total / rows.length : 1;
  for (let index = 0; index < weights.length; index += 1) weights[index] = (weights[index] ?? 1) / mean;
  return weights;
}
