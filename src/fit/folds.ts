import { createSeededRandom, shuffleInPlace } from "../util/seeded-random.js";

/**
 * Seeded, label-stratified fold assignment for cross-fitting: every row gets a fold in
 * `0..foldCount-1`; rows of each label are spread evenly over the folds.
 */
export function assignFolds(labelIds: Int32Array, foldCount: number, seed: number): Int32Array {
  const folds = new Int32Array(labelIds.length);
  const random = createSeededRandom(seed);
  const order = Array.from({ length: labelIds.length }, (_, index) => index);
  shuffleInPlace(order, random);
  // Stable sort by label keeps the shuffled order inside each label; then deal round-robin.
  order.sort((left, right) => (labelIds[left] ?? 0) - (labelIds[right] ?? 0));
  let offset = Math.floor(random() * foldCount);
  for (const index of order) {
    folds[index] = offset % foldCount;
    offset += 1;
  }
  return folds;
}
