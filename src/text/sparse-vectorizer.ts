import { HashedFeatureExtractor, type HashedFeatureOptions } from "./hashed-features.js";
import { normalizeText } from "./normalize-text.js";

/**
 * Turns a text into a sparse, L2-normalised vector over hashed buckets, in reusable buffers:
 * value = (1 + ln(weighted count)) × idf(bucket) when `sublinear`, else weighted count × idf.
 * After `vectorize`, `indices[0..size)` holds distinct bucket ids (in first-seen order) and
 * `values[0..size)` their weights. No allocation per text beyond the normalised string.
 */
export class SparseVectorizer {
  readonly extractor: HashedFeatureExtractor;
  indices = new Int32Array(1024);
  values = new Float32Array(1024);
  size = 0;
  private readonly slot: Int32Array;
  /** The text whose raw counts `indices`/`values` hold now: counting it again is free. */
  private countedText: string | undefined;
  private countedNormalized = false;

  constructor(
    options: HashedFeatureOptions,
    private readonly sublinear: boolean,
    /** Per-bucket idf, or undefined for 1. */
    public idf?: Float32Array,
  ) {
    this.extractor = new HashedFeatureExtractor(options);
    this.slot = new Int32Array(options.buckets).fill(-1);
  }

  /** Raw weighted counts of `text`'s distinct features into `indices`/`values[0..size)`; returns `size`. */
  count(text: string, normalized = false): number {
    if (text === this.countedText && normalized === this.countedNormalized) return this.size;
    const count = this.extractor.extract(
      normalized ? text : normalizeText(text, this.extractor.options.stripMarkup === true),
    );
    const ids = this.extractor.ids;
    const weights = this.extractor.weights;
    if (count > this.indices.length) {
      this.indices = new Int32Array(this.extractor.ids.length);
      this.values = new Float32Array(this.extractor.ids.length);
    }
    const indices = this.indices;
    const values = this.values;
    const slot = this.slot;
    let size = 0;
    for (let position = 0; position < count; position++) {
      const id = ids[position]!;
      const existing = slot[id]!;
      if (existing >= 0) values[existing] = values[existing]! + weights[position]!;
      else {
        slot[id] = size;
        indices[size] = id;
        values[size++] = weights[position]!;
      }
    }
    this.size = size;
    for (let position = 0; position < size; position++) slot[indices[position]!] = -1;
    this.countedText = text;
    this.countedNormalized = normalized;
    return size;
  }

  /** Vectorises `text` (counts, then weighting and L2 norm); returns the number of distinct features. */
  vectorize(text: string, normalized = false): number {
    const size = this.count(text, normalized);
    weighAndNormalize(this.indices, this.values, 0, size, this.sublinear, this.idf);
    this.countedText = undefined; // the buffers now hold weighted values, not raw counts
    return size;
  }
}

/**
 * In place over `values[start..end)`: sublinear TF (1 + ln count) when asked, times idf of the
 * bucket when given, then scaled to unit L2 norm.
 */
export function weighAndNormalize(
  indices: Int32Array,
  values: Float32Array,
  start: number,
  end: number,
  sublinear: boolean,
  idf: Float32Array | undefined,
): void {
  let squares = 0;
  for (let position = start; position < end; position++) {
    let value = values[position]!;
    if (sublinear) value = value >= 1 ? 1 + Math.log(value) : value;
    if (idf !== undefined) value *= idf[indices[position]!]!;
    values[position] = value;
    squares += value * value;
  }
  if (squares > 0) {
    const scale = 1 / Math.sqrt(squares);
    for (let position = start; position < end; position++) values[position]! *= scale;
  }
}
