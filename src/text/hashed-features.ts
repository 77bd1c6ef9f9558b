import { BIGRAM_SEED, CHAR_SEED, combineHashes, finalizeHash, hashStep, WORD_SEED } from "./string-hash.js";
import { isWordCode } from "./word-characters.js";

/** Which hashed features a text yields. */
export interface HashedFeatureOptions {
  /** Bucket count, a power of two. */
  buckets: number;
  /** Word n-grams of length 1..wordNgramMax (0 disables word features). */
  wordNgramMax: number;
  /** Character n-grams of lengths charNgramMin..charNgramMax inside `<word>` boundaries (min 0 disables). */
  charNgramMin: number;
  charNgramMax: number;
  /** Weight of each word n-gram occurrence relative to a char n-gram occurrence. */
  wordWeight: number;
  /** Turn HTML tags and entities into spaces before reading the text (default false). */
  stripMarkup?: boolean;
}

const WORD_START = 0x02;
const WORD_END = 0x03;
const MAX_WORD_NGRAM = 4;

/**
 * Extracts the hashed features of a normalised text into reusable buffers (`ids`, `weights`):
 * hashes are computed over char codes, no substring is allocated. Duplicates are kept: the
 * caller counts them.
 */
export class HashedFeatureExtractor {
  readonly options: HashedFeatureOptions;
  ids = new Int32Array(1024);
  weights = new Float32Array(1024);
  private readonly mask: number;
  private readonly previousWords = new Int32Array(MAX_WORD_NGRAM);

  constructor(options: HashedFeatureOptions) {
    if (!Number.isInteger(Math.log2(options.buckets)) || options.buckets < 2) {
      throw new RangeError(`buckets must be a power of two, got ${options.buckets}`);
    }
    this.options = options;
    this.mask = options.buckets - 1;
  }

  /** Fills `ids`/`weights` with the features of `text` (already normalised); returns their count. */
  extract(text: string): number {
    const { wordNgramMax, charNgramMin, charNgramMax, wordWeight } = this.options;
    const length = text.length;
    let count = 0;
    let wordsSeen = 0;
    let index = 0;
    while (index < length) {
      while (index < length && !isWordCode(text.charCodeAt(index))) index++;
      if (index >= length) break;
      const start = index;
      let wordHash = WORD_SEED;
      while (index < length && isWordCode(text.charCodeAt(index))) {
        wordHash = hashStep(wordHash, text.charCodeAt(index));
        index++;
      }
      const end = index;
      const needed = count + 1 + wordNgramMax + (end - start + 2) * (charNgramMax - charNgramMin + 1);
      if (needed > this.ids.length) this.grow(needed);
      if (wordNgramMax > 0) {
        this.ids[count] = finalizeHash(wordHash) & this.mask;
        this.weights[count++] = wordWeight;
        let gramHash = wordHash;
        for (let order = 2; order <= wordNgramMax && order - 2 < wordsSeen; order++) {
          const previous = this.previousWords[(wordsSeen - (order - 1)) % MAX_WORD_NGRAM]!;
          gramHash = combineHashes(previous ^ BIGRAM_SEED ^ order, gramHash);
          this.ids[count] = finalizeHash(gramHash) & this.mask;
          this.weights[count++] = wordWeight;
        }
        this.previousWords[wordsSeen % MAX_WORD_NGRAM] = wordHash;
        wordsSeen++;
      }
      if (charNgramMin > 0) count = this.charNgrams(text, start, end, count);
    }
    return count;
  }

  private charNgrams(text: string, start: number, end: number, count: number): number {
    const { charNgramMin, charNgramMax } = this.options;
    const boundedLength = end - start + 2;
    let written = count;
    for (let first = 0; first < boundedLength; first++) {
      let hash = CHAR_SEED;
      const last = Math.min(boundedLength, first + charNgramMax);
      for (let position = first; position < last; position++) {
        const code =
          position === 0
            ? WORD_START
            : position === boundedLength - 1
              ? WORD_END
              : text.charCodeAt(start + position - 1);
        hash = hashStep(hash, code);
        if (position - first + 1 >= charNgramMin) {
          this.ids[written] = finalizeHash(hash) & this.mask;
          this.weights[written++] = 1;
        }
      }
    }
    return written;
  }

  private grow(needed: number): void {
    let size = this.ids.length;
    while (size < needed) size *= 2;
    const ids = new Int32Array(size);
    ids.set(this.ids);
    const weights = new Float32Array(size);
    weights.set(this.weights);
    this.ids = ids;
    this.weights = weights;
  }
}
