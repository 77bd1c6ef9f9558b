import type { FeatureMatrix } from "./feature-matrix.js";

/**
 * Supervised term weighting (the naive-Bayes log-count ratio of NBSVM, Wang & Manning 2012,
 * generalised one-vs-rest): each feature is scaled by max over classes k of
 * |ln((p_k / ‖p_k‖₁) / (q_k / ‖q_k‖₁))|, where p_k counts the rows of class k holding the feature
 * and q_k the other rows (both + `smoothing`), counted over `countedRows` only (the training
 * share: held-out rows must not see their own labels) with their example weights. All rows are
 * re-normalised to unit L2. The scale is folded into `featureIdf` (prediction multiplies by it,
 * then normalises the same way), and `unseenIdf` by the mean scale. Changes `matrix` in place.
 * Two classes give the same ratio with opposite signs, so only the first is computed. Pooling by
 * the max over classes beat the class-probability-weighted mean on banking77 (5-fold CV 0.9018
 * vs 0.9001; identical on two classes).
 */
export function applyClassRatioWeighting(
  matrix: FeatureMatrix,
  labelIds: Int32Array,
  classes: number,
  countedRows: Int32Array,
  exampleWeight: Float32Array,
  power = 1,
  smoothing = 1,
): void {
  const { rowStart, columns, values, featureIdf } = matrix;
  const features = featureIdf.length;
  const rows = labelIds.length;
  const perClass = new Float32Array(features * classes);
  const total = new Float32Array(features);
  for (const row of countedRows) {
    const label = labelIds[row]!;
    const weight = exampleWeight[row]!;
    for (let entry = rowStart[row]!; entry < rowStart[row + 1]!; entry++) {
      perClass[columns[entry]! * classes + label]! += weight;
      total[columns[entry]!]! += weight;
    }
  }
  const classMass = new Float64Array(classes);
  let allMass = 0;
  for (let feature = 0; feature < features; feature++) {
    for (let k = 0; k < classes; k++) classMass[k]! += perClass[feature * classes + k]! + smoothing;
    allMass += total[feature]! + smoothing * classes;
  }
  const binary = classes === 2;
  const scale = new Float32Array(features);
  let scaleSum = 0;
  for (let feature = 0; feature < features; feature++) {
    let best = 0;
    const featureMass = total[feature]! + smoothing * classes;
    for (let k = 0; k < (binary ? 1 : classes); k++) {
      const inside = perClass[feature * classes + k]! + smoothing;
      const outside = featureMass - inside;
      const ratio = Math.abs(Math.log(inside / classMass[k]! / (outside / (allMass - classMass[k]!))));
      if (ratio > best) best = ratio;
    }
    const weight = power === 1 ? best : best ** power;
    scale[feature] = weight;
    scaleSum += weight;
  }
  for (let row = 0; row < rows; row++) {
    let squares = 0;
    const end = rowStart[row + 1]!;
    for (let entry = rowStart[row]!; entry < end; entry++) {
      const value = values[entry]! * scale[columns[entry]!]!;
      values[entry] = value;
      squares += value * value;
    }
    if (squares > 0) {
      const norm = 1 / Math.sqrt(squares);
      for (let entry = rowStart[row]!; entry < end; entry++) values[entry]! *= norm;
    }
  }
  for (let feature = 0; feature < features; feature++) {
    featureIdf[feature] = featureIdf[feature]! * scale[feature]!;
  }
  matrix.unseenIdf *= features > 0 ? scaleSum / features : 1;
}
