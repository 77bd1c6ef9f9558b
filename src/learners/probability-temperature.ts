/**
 * Temperature scaling of probability vectors: p'(y) ∝ p(y)^(1/T). `fitProbabilityTemperature` picks T by the
 * best mean log-likelihood of the gold labels on out-of-fold predictions (golden-section search).
 */
export function fitProbabilityTemperature(
  probabilities: Float32Array,
  labelCount: number,
  goldIds: Int32Array,
  rows: readonly number[],
): number {
  const logLikelihood = (temperature: number): number => {
    let total = 0;
    const inverse = 1 / temperature;
    for (const row of rows) {
      const gold = goldIds[row] ?? -1;
      if (gold < 0) continue;
      const offset = row * labelCount;
      let sum = 0;
      for (let label = 0; label < labelCount; label += 1) {
        sum += Math.exp(inverse * Math.log(Math.max(probabilities[offset + label] ?? 0, 1e-12)));
      }
      total += inverse * Math.log(Math.max(probabilities[offset + gold] ?? 0, 1e-12)) - Math.log(sum);
    }
    return total;
  };
  let low = Math.log(0.05);
  let high = Math.log(20);
  const ratio = (Math.sqrt(5) - 1) / 2;
  for (let iteration = 0; iteration < 40; iteration += 1) {
    const left = high - ratio * (high - low);
    const right = low + ratio * (high - low);
    if (logLikelihood(Math.exp(left)) > logLikelihood(Math.exp(right))) high = right;
    else low = left;
  }
  return Math.exp((low + high) / 2);
}

/** Applies the temperature in place to one probability vector stored at `offset`. */
export function applyProbabilityTemperature(
  probabilities: Float32Array | Float64Array,
  offset: number,
  labelCount: number,
  temperature: number,
): void {
  if (temperature === 1) return;
  const inverse = 1 / temperature;
  let sum = 0;
  for (let label = 0; label < labelCount; label += 1) {
    const value = Math.exp(inverse * Math.log(Math.max(probabilities[offset + label] ?? 0, 1e-12)));
    probabilities[offset + label] = value;
    sum += value;
  }
  for (let label = 0; label < labelCount; label += 1) {
    probabilities[offset + label] = (probabilities[offset + label] ?? 0) / sum;
  }
}
