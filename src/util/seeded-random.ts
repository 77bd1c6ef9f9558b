/** A small deterministic PRNG (mulberry32): the same seed gives the same sequence in [0, 1). Never Math.random. */
export function createSeededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates shuffle in place (plain arrays and typed arrays alike). */
export function shuffleInPlace<Item>(
  items: { [index: number]: Item; length: number },
  random: () => number,
): void {
  for (let index = items.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    const held = items[index] as Item;
    items[index] = items[other] as Item;
    items[other] = held;
  }
}
