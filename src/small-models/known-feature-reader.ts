import { SparseVectorizer } from "../text/sparse-vectorizer.js";
import { BucketIndex } from "./bucket-index.js";
import type { NgramFeatureSettings } from "./ngram-linear-options.js";

/**
 * Reads a text the way a trained model saw its training texts: hashed counts, sublinear TF,
 * per-feature weight (idf and/or class ratio; buckets unseen in training get `unseenIdf`), L2 norm over all the text's features, then
 * keeps only the features seen in training as (feature row, value) pairs in reusable buffers.
 */
export class KnownFeatureReader {
  rows = new Int32Array(256);
  values = new Float32Array(256);
  private readonly vectorizer: SparseVectorizer;
  /** The novelty of the text `read` last saw, found in the same pass (novelty() then costs nothing). */
  private readText: string | undefined;
  private readNovelty = 1;
  private readonly index: BucketIndex;

  constructor(
    private readonly settings: NgramFeatureSettings,
    featureBuckets: Int32Array,
    private readonly featureIdf: Float32Array,
    private readonly unseenIdf: number,
    /** Per row, the share of averaged models that saw it (undefined: 1, a single model). */
    private readonly featureShare?: Float32Array,
  ) {
    this.vectorizer = new SparseVectorizer(settings, settings.sublinearTf);
    this.index = new BucketIndex(featureBuckets);
  }

  /** Fills `rows`/`values` with the text's known features; returns how many. */
  read(text: string): number {
    const size = this.vectorizer.count(text);
    if (size > this.rows.length) {
      this.rows = new Int32Array(this.vectorizer.indices.length);
      this.values = new Float32Array(this.vectorizer.indices.length);
    }
    const rows = this.rows;
    const values = this.values;
    const indices = this.vectorizer.indices;
    const counts = this.vectorizer.values;
    const { sublinearTf } = this.settings;
    const share = this.featureShare;
    let squares = 0;
    let known = 0;
    let seen = 0;
    for (let position = 0; position < size; position++) {
      const row = this.index.rowOf(indices[position]!);
      let value = counts[position]!;
      if (sublinearTf && value >= 1) value = 1 + Math.log(value);
      // Always applied: with settings.idf false the weights are 1 unless training scaled them
      // (class-ratio weighting), so the text is read exactly as the training rows were.
      value *= row >= 0 ? this.featureIdf[row]! : this.unseenIdf;
      squares += value * value;
      if (row >= 0) {
        rows[known] = row;
        values[known++] = value;
        seen += share === undefined ? 1 : share[row]!;
      }
    }
    if (squares > 0) {
      const scale = 1 / Math.sqrt(squares);
      for (let position = 0; position < known; position++) values[position] = values[position]! * scale;
    }
    this.readText = text;
    this.readNovelty = size === 0 ? 1 : (size - seen) / size;
    return known;
  }

  /**
   * Share in [0, 1] of the text's distinct features never seen in training (1 for a text with none);
   * for an average of models, the mean of their shares.
   */
  novelty(text: string): number {
    if (text === this.readText) return this.readNovelty;
    const size = this.vectorizer.count(text);
    if (size === 0) return 1;
    let seen = 0;
    const indices = this.vectorizer.indices;
    const share = this.featureShare;
    for (let position = 0; position < size; position++) {
      const row = this.index.rowOf(indices[position]!);
      if (row >= 0) seen += share === undefined ? 1 : share[row]!;
    }
    return (size - seen) / size;
  }
}
