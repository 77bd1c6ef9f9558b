import type { HashedFeatureOptions } from "../text/hashed-features.js";

/** One text's raw weighted feature counts: distinct buckets and their counts, in first-seen order. */
export interface CountedRow {
  indices: Int32Array;
  values: Float32Array;
}

/**
 * The raw feature counts of texts already read, by feature settings and text: cross-fitting trains
 * on every text in several folds, and reading it once saves re-hashing its n-grams for each fold.
 * The counts are exactly those `SparseVectorizer.count` gives, so the models are unchanged. Keeps
 * at most `maxEntries` features in all (8 bytes each); texts beyond that are counted each time.
 */
export class FeatureCountCache {
  private readonly bySettings = new Map<string, Map<string, CountedRow>>();
  private entries = 0;

  constructor(private readonly maxEntries = 8_000_000) {}

  /** The rows kept for `settings` (a new, empty map the first time). */
  rowsFor(settings: HashedFeatureOptions): Map<string, CountedRow> {
    const key = JSON.stringify([
      settings.buckets,
      settings.wordNgramMax,
      settings.charNgramMin,
      settings.charNgramMax,
      settings.wordWeight,
      settings.stripMarkup === true,
    ]);
    let rows = this.bySettings.get(key);
    if (rows === undefined) {
      rows = new Map();
      this.bySettings.set(key, rows);
    }
    return rows;
  }

  /** Keeps a copy of `size` counts for `text` in `rows` while the cache has room. */
  keep(
    rows: Map<string, CountedRow>,
    text: string,
    indices: Int32Array,
    values: Float32Array,
    size: number,
  ): void {
    if (this.entries + size > this.maxEntries) return;
    this.entries += size;
    rows.set(text, { indices: indices.slice(0, size), values: values.slice(0, size) });
  }
}
