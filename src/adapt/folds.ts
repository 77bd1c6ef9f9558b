/**
 * Seeded, label-stratified fold assignment for cross-fitting: every row gets a fold in
 * `0..foldCount-1`; rows of each label are spread evenly over the folds.
 */
export function assignFolds(labelIds: Int32Array, foldCount: number, seed: number): Int32Array {
  const folds = new Int32Array(labelIds.length);
  const random = createRandom(seed);
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

/** A small deterministic PRNG (mulberry32): same seed, same sequence. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffleInPlace<Item>(items: Item[], random: () => number): void {
  for (let index = items.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    const held = items[index] as Item;
    items[index] = items[other] as Item;
    items[other] = held;
  }
}
