import type { FeatureMatrix } from "./feature-matrix.js";

/**
 * Supervised term weighting (the naive-Bayes log-count ratio of NBSVM, Wang & Manning 2012,
 * generalised one-vs-rest): each feature is scaled by max over classes k of
 * |ln((p_k / ‖p_k‖₁) / (q_k / ‖q_k‖₁))|, where p_k counts the rows of class k holding the feature
 * and q_k the other rows (both + `smoothing`). Rows are re-normalised to unit L2. The scale is
 * folded into `featureIdf` (prediction multiplies by it, then normalises the same way), and
 * `unseenIdf` by the mean scale. Changes `matrix` in place.
 */
export function applyClassRatioWeighting(
  matrix: FeatureMatrix,
  labelIds: Int32Array,
  classes: number,
  smoothing = 1,
): void {
  const { rowStart, columns, values, featureIdf } = matrix;
  const features = featureIdf.length;
  const rows = labelIds.length;
  const perClass = new Float32Array(features * classes);
  const total = new Float32Array(features);
  for (let row = 0; row < rows; row++) {
    const label = labelIds[row]!;
    for (let entry = rowStart[row]!; entry < rowStart[row + 1]!; entry++) {
      perClass[columns[entry]! * classes + label]!++;
      total[columns[entry]!]!++;
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
    for (let k = 0; k < (binary ? 1 : classes); k++) {
      const inside = perClass[feature * classes + k]! + smoothing;
      const outside = total[feature]! + smoothing * classes - inside;
      const ratio = Math.abs(Math.log(inside / classMass[k]! / (outside / (allMass - classMass[k]!))));
      if (ratio > best) best = ratio;
    }
    scale[feature] = best;
    scaleSum += best;
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
  for (let feature = 0; feature < features; feature++) featureIdf[feature]! *= scale[feature]!;
  matrix.unseenIdf *= features > 0 ? scaleSum / features : 1;
}
