/** FNV-1a step over one 16-bit char code (32-bit, no allocation). */
export function hashStep(hash: number, code: number): number {
  return Math.imul(hash ^ code, 0x01000193);
}

/** Murmur3's finaliser: spreads the bits so the low bits make good bucket ids. */
export function finalizeHash(hash: number): number {
  let mixed = hash ^ (hash >>> 16);
  mixed = Math.imul(mixed, 0x85ebca6b);
  mixed ^= mixed >>> 13;
  mixed = Math.imul(mixed, 0xc2b2ae35);
  return (mixed ^ (mixed >>> 16)) >>> 0;
}

/** Combines two hashes (order matters), for word bigrams. */
export function combineHashes(left: number, right: number): number {
  return Math.imul(left ^ Math.imul(right, 0x9e3779b1), 0x01000193) ^ (right >>> 15);
}

export const WORD_SEED = 0x811c9dc5;
export const BIGRAM_SEED = 0x2545f491;
export const CHAR_SEED = 0x6a09e667;
