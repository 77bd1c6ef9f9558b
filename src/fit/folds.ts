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

/**
 * Puts every row whose text appeared earlier into the fold of its first occurrence (in place; returns
 * `folds`): a text given twice (the same file as training and calibration rows, or a repeated
 * input) is never scored by a model trained on its copy, which would inflate every out-of-fold
 * estimate. Rows with distinct texts keep their folds.
 */
export function groupFoldsByText(folds: Int32Array, texts: readonly string[]): Int32Array {
  const foldOfText = new Map<string, number>();
  texts.forEach((text, index) => {
    const first = foldOfText.get(text);
    if (first === undefined) foldOfText.set(text, folds[index] ?? 0);
    else folds[index] = first;
  });
  return folds;
}
