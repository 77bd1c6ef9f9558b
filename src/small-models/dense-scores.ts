/**
 * The linear scores of one dense row: `out[at + c] = Σ_j vectors[offset + j] · weights[c·d + j] + bias[c]`
 * for every class c (weights class-major, d = `dimensions`). Four classes per pass over the row, a
 * quarter of the row's loads; no allocation. Shared by the embedding-linear model and its trainer.
 */
export function scoreDenseRowInto(
  vectors: Float32Array,
  offset: number,
  weights: Float32Array,
  bias: Float32Array,
  dimensions: number,
  out: Float64Array | Float32Array,
  at: number,
): void {
  const classes = bias.length;
  let label = 0;
  for (; label + 3 < classes; label += 4) {
    const w0 = label * dimensions;
    const w1 = w0 + dimensions;
    const w2 = w1 + dimensions;
    const w3 = w2 + dimensions;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = 0; j < dimensions; j++) {
      const value = vectors[offset + j]!;
      s0 += value * weights[w0 + j]!;
      s1 += value * weights[w1 + j]!;
      s2 += value * weights[w2 + j]!;
      s3 += value * weights[w3 + j]!;
    }
    out[at + label] = s0 + bias[label]!;
    out[at + label + 1] = s1 + bias[label + 1]!;
    out[at + label + 2] = s2 + bias[label + 2]!;
    out[at + label + 3] = s3 + bias[label + 3]!;
  }
  for (; label < classes; label++) {
    const base = label * dimensions;
    let sum = 0;
    for (let j = 0; j < dimensions; j++) sum += vectors[offset + j]! * weights[base + j]!;
    out[at + label] = sum + bias[label]!;
  }
}
