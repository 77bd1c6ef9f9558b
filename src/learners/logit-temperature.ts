/**
 * The temperature T that minimises the negative log-likelihood of `labelIds` under softmax(logits / T),
 * by golden-section search over ln T in [ln 0.05, ln 20]. `logits` is row-major, `classes` per row.
 */
export function fitLogitTemperature(logits: Float32Array, labelIds: Int32Array, classes: number): number {
  const rows = labelIds.length;
  if (rows === 0) return 1;
  const loss = (logTemperature: number): number =>
    negativeLogLikelihood(logits, labelIds, classes, Math.exp(logTemperature));
  const ratio = (Math.sqrt(5) - 1) / 2;
  let low = Math.log(0.05);
  let high = Math.log(20);
  let left = high - ratio * (high - low);
  let right = low + ratio * (high - low);
  let leftLoss = loss(left);
  let rightLoss = loss(right);
  for (let step = 0; step < 40; step++) {
    if (leftLoss < rightLoss) {
      high = right;
      right = left;
      rightLoss = leftLoss;
      left = high - ratio * (high - low);
      leftLoss = loss(left);
    } else {
      low = left;
      left = right;
      leftLoss = rightLoss;
      right = low + ratio * (high - low);
      rightLoss = loss(right);
    }
  }
  return Math.exp((low + high) / 2);
}

/** Mean negative log-likelihood of `labelIds` under softmax(logits / temperature). */
export function negativeLogLikelihood(
  logits: Float32Array,
  labelIds: Int32Array,
  classes: number,
  temperature: number,
): number {
  const rows = labelIds.length;
  if (rows === 0) return 0;
  let total = 0;
  for (let row = 0; row < rows; row++) {
    const base = row * classes;
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < classes; k++) max = Math.max(max, logits[base + k]! / temperature);
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += Math.exp(logits[base + k]! / temperature - max);
    total += Math.log(sum) + max - logits[base + labelIds[row]!]! / temperature;
  }
  return total / rows;
}
