/** Softmax of `logits[0..count)` divided by `temperature`, written into `out` (may alias). */
export function softmaxInto(
  logits: Float32Array | Float64Array,
  count: number,
  temperature: number,
  out: Float32Array | Float64Array,
): void {
  let max = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < count; index++) if (logits[index]! > max) max = logits[index]!;
  let sum = 0;
  for (let index = 0; index < count; index++) {
    const value = Math.exp((logits[index]! - max) / temperature);
    out[index] = value;
    sum += value;
  }
  for (let index = 0; index < count; index++) out[index]! /= sum;
}
