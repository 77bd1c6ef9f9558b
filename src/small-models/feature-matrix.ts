import type { ProgressListener } from "../spec/logger.js";
import type { HashedFeatureOptions } from "../text/hashed-features.js";
import { SparseVectorizer, weighAndNormalize } from "../text/sparse-vectorizer.js";
import type { FeatureCountCache } from "./feature-count-cache.js";

/** Training rows pre-extracted once: CSR over compact feature rows, values weighted and L2-normalised. */
export interface FeatureMatrix {
  rowStart: Int32Array;
  columns: Int32Array;
  values: Float32Array;
  featureBuckets: Int32Array;
  featureIdf: Float32Array;
  unseenIdf: number;
}

/** How texts become vectors (the feature part of a small model's options). */
export interface FeatureMatrixOptions extends HashedFeatureOptions {
  sublinearTf: boolean;
  idf: boolean;
}

/**
 * One pass over the texts: hashed counts into a CSR matrix, then buckets → compact rows, idf, L2 norm.
 * With `counts`, texts counted before are not read again (and new ones are kept there).
 */
export function extractFeatures(
  texts: readonly string[],
  options: FeatureMatrixOptions,
  onProgress?: ProgressListener,
  counts?: FeatureCountCache,
): FeatureMatrix {
  const vectorizer = new SparseVectorizer(options, options.sublinearTf);
  const cached = counts?.rowsFor(options);
  const count = texts.length;
  // Two passes, so that the matrix is allocated once at its exact size: growing it as rows came in
  // held the old and the new copy at once, about doubling the peak memory on a large corpus
  // (30,000 long documents: 48 M entries, 390 MB). Counting twice costs a few seconds there, little elsewhere.
  const rowStart = new Int32Array(count + 1);
  for (let index = 0; index < count; index++) {
    const text = texts[index]!;
    const row = cached?.get(text);
    const size = row === undefined ? vectorizer.count(text) : row.indices.length;
    if (row === undefined && cached !== undefined) {
      counts?.keep(cached, text, vectorizer.indices, vectorizer.values, size);
    }
    if (rowStart[index]! + size > 0x7fffffff) {
      throw new RangeError("the training texts have more than 2^31 features in all: train on fewer rows");
    }
    rowStart[index + 1] = rowStart[index]! + size;
    if (index % 2000 === 1999) onProgress?.({ stage: "features", done: index + 1, total: 2 * count });
  }
  const used = rowStart[count]!;
  const columns = new Int32Array(used);
  const values = new Float32Array(used);
  for (let index = 0; index < count; index++) {
    const text = texts[index]!;
    const row = cached?.get(text);
    const start = rowStart[index]!;
    if (row !== undefined) {
      columns.set(row.indices, start);
      values.set(row.values, start);
    } else {
      const size = vectorizer.count(text);
      columns.set(vectorizer.indices.subarray(0, size), start);
      values.set(vectorizer.values.subarray(0, size), start);
    }
    if (index % 2000 === 1999) onProgress?.({ stage: "features", done: count + index + 1, total: 2 * count });
  }
  onProgress?.({ stage: "features", done: 2 * count, total: 2 * count });

  const documentFrequency = new Int32Array(options.buckets);
  for (let position = 0; position < used; position++) documentFrequency[columns[position]!]!++;
  let features = 0;
  for (let bucket = 0; bucket < options.buckets; bucket++) if (documentFrequency[bucket]! > 0) features++;
  const featureBuckets = new Int32Array(features);
  const featureIdf = new Float32Array(features);
  const rowOfBucket = new Int32Array(options.buckets);
  let row = 0;
  for (let bucket = 0; bucket < options.buckets; bucket++) {
    const frequency = documentFrequency[bucket]!;
    if (frequency === 0) continue;
    featureBuckets[row] = bucket;
    featureIdf[row] = options.idf ? Math.log((1 + count) / (1 + frequency)) + 1 : 1;
    rowOfBucket[bucket] = row++;
  }
  for (let position = 0; position < used; position++) columns[position] = rowOfBucket[columns[position]!]!;
  for (let index = 0; index < count; index++) {
    weighAndNormalize(
      columns,
      values,
      rowStart[index]!,
      rowStart[index + 1]!,
      options.sublinearTf,
      featureIdf,
    );
  }
  return {
    rowStart,
    columns,
    values,
    featureBuckets,
    featureIdf,
    unseenIdf: options.idf ? Math.log(1 + count) + 1 : 1,
  };
}
