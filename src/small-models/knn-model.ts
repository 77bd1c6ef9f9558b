import { z } from "zod";
import { ArtifactError } from "../spec/errors/artifact-error.js";
import type { SmallModelSnapshot } from "../spec/small-model.js";
import { KnownFeatureReader } from "./known-feature-reader.js";
import {
  type ArtifactArray,
  artifactToSnapshot,
  readArtifactFileOfKind,
  snapshotArrays,
  writeArtifactFile,
} from "./model-artifact.js";
import { type NgramFeatureSettings, ngramFeatureSettingsSchema } from "./ngram-linear-options.js";
import type { TrainedSmallModel } from "./trained-small-model.js";

export const KNN_KIND = "knn";
export const KNN_VERSION = 1;

/** Everything a `knn` model is made of: the training vectors (unit L2 norm) and their labels. */
export interface KnnParts {
  labels: readonly string[];
  settings: NgramFeatureSettings;
  /** Neighbours that vote. */
  neighbours: number;
  /** Added to every label's vote mass, so no probability is exactly 0. */
  smoothing: number;
  featureBuckets: Int32Array;
  featureIdf: Float32Array;
  unseenIdf: number;
  /** CSR over training rows: `rowStart` (rows + 1), `columns` (feature rows), `values`. */
  rowStart: Int32Array;
  columns: Int32Array;
  values: Float32Array;
  labelIds: Int32Array;
}

const headerSchema = z.object({
  kind: z.literal(KNN_KIND),
  version: z.literal(KNN_VERSION),
  labels: z.array(z.string().min(1)).min(2),
  settings: ngramFeatureSettingsSchema,
  neighbours: z.number().int().min(1),
  smoothing: z.number().positive(),
  unseenIdf: z.number().finite(),
});
const arrayNames = ["featureBuckets", "featureIdf", "rowStart", "columns", "values", "labelIds"] as const;
const arrayTypes: Record<(typeof arrayNames)[number], "i32" | "f32"> = {
  featureBuckets: "i32",
  featureIdf: "f32",
  rowStart: "i32",
  columns: "i32",
  values: "f32",
  labelIds: "i32",
};
const snapshotSchema = headerSchema.extend(Object.fromEntries(arrayNames.map((name) => [name, z.string()])));

/**
 * k-nearest-neighbour over the same hashed, TF-IDF, L2-normalised features as ngram-linear:
 * cosine similarity through an inverted index; the k most similar training rows vote with
 * their similarity. Not re-entrant (shares buffers).
 */
export class KnnModel implements TrainedSmallModel {
  readonly kind = KNN_KIND;
  readonly labels: readonly string[];
  readonly parts: KnnParts;
  private readonly reader: KnownFeatureReader;
  /** Inverted index: for feature f, postings [postingStart[f], postingStart[f + 1]) of (row, value). */
  private readonly postingStart: Int32Array;
  private readonly postingRows: Int32Array;
  private readonly postingValues: Float32Array;
  private readonly similarity: Float32Array;
  private readonly touched: Int32Array;
  private readonly votes: Float64Array;

  constructor(parts: KnnParts) {
    this.parts = parts;
    this.labels = parts.labels;
    this.reader = new KnownFeatureReader(
      parts.settings,
      parts.featureBuckets,
      parts.featureIdf,
      parts.unseenIdf,
    );
    const features = parts.featureBuckets.length;
    const rows = parts.labelIds.length;
    this.postingStart = new Int32Array(features + 1);
    for (const column of parts.columns) this.postingStart[column + 1]!++;
    for (let feature = 0; feature < features; feature++) {
      this.postingStart[feature + 1] = this.postingStart[feature + 1]! + this.postingStart[feature]!;
    }
    const fill = this.postingStart.slice(0, features);
    this.postingRows = new Int32Array(parts.columns.length);
    this.postingValues = new Float32Array(parts.columns.length);
    for (let row = 0; row < rows; row++) {
      for (let entry = parts.rowStart[row]!; entry < parts.rowStart[row + 1]!; entry++) {
        const at = fill[parts.columns[entry]!]!++;
        this.postingRows[at] = row;
        this.postingValues[at] = parts.values[entry]!;
      }
    }
    this.similarity = new Float32Array(rows);
    this.touched = new Int32Array(rows);
    this.votes = new Float64Array(parts.labels.length);
  }

  predictProba(text: string): Float32Array {
    const out = new Float32Array(this.labels.length);
    this.predictProbaInto(text, out);
    return out;
  }

  predictProbaInto(text: string, out: Float32Array): void {
    const known = this.reader.read(text);
    const similarity = this.similarity;
    const touched = this.touched;
    const votes = this.votes;
    const postingStart = this.postingStart;
    const postingRows = this.postingRows;
    const postingValues = this.postingValues;
    let touchedCount = 0;
    for (let position = 0; position < known; position++) {
      const feature = this.reader.rows[position]!;
      const value = this.reader.values[position]!;
      for (let at = postingStart[feature]!; at < postingStart[feature + 1]!; at++) {
        const row = postingRows[at]!;
        if (similarity[row] === 0) touched[touchedCount++] = row;
        similarity[row] = similarity[row]! + value * postingValues[at]!;
      }
    }
    votes.fill(this.parts.smoothing);
    // Partial selection of the k most similar rows (k is small): repeated max over touched rows.
    const picks = Math.min(this.parts.neighbours, touchedCount);
    for (let pick = 0; pick < picks; pick++) {
      let best = -1;
      let bestSimilarity = 0;
      for (let slot = 0; slot < touchedCount; slot++) {
        const value = similarity[touched[slot]!]!;
        if (value > bestSimilarity) {
          bestSimilarity = value;
          best = slot;
        }
      }
      if (best < 0) break;
      const row = touched[best]!;
      votes[this.parts.labelIds[row]!]! += bestSimilarity;
      similarity[row] = -1;
    }
    for (let slot = 0; slot < touchedCount; slot++) similarity[touched[slot]!] = 0;
    let total = 0;
    for (let k = 0; k < votes.length; k++) total += votes[k]!;
    for (let k = 0; k < votes.length; k++) out[k] = votes[k]! / total;
  }

  novelty(text: string): number {
    return this.reader.novelty(text);
  }

  toArtifact(): { header: Record<string, unknown>; arrays: Record<string, ArtifactArray> } {
    const { parts } = this;
    return {
      header: {
        kind: KNN_KIND,
        version: KNN_VERSION,
        labels: [...parts.labels],
        settings: parts.settings,
        neighbours: parts.neighbours,
        smoothing: parts.smoothing,
        unseenIdf: parts.unseenIdf,
      },
      arrays: Object.fromEntries(arrayNames.map((name) => [name, parts[name]])),
    };
  }

  toJSON(): SmallModelSnapshot {
    return artifactToSnapshot(this.toArtifact()) as SmallModelSnapshot;
  }

  static fromJSON(value: unknown, source = "(snapshot)"): KnnModel {
    const parsed = snapshotSchema.safeParse(value);
    if (!parsed.success) throw new ArtifactError(`not a knn snapshot: ${parsed.error.message}`, source);
    return KnnModel.fromArtifact(parsed.data, snapshotArrays(parsed.data, arrayTypes), source);
  }

  static fromArtifact(headerValue: unknown, arrays: Record<string, ArtifactArray>, source: string): KnnModel {
    const parsed = headerSchema.safeParse(headerValue);
    if (!parsed.success) throw new ArtifactError(`invalid knn header: ${parsed.error.message}`, source);
    const header = parsed.data;
    const { featureBuckets, featureIdf, rowStart, columns, values, labelIds } = arrays;
    if (
      !(featureBuckets instanceof Int32Array) ||
      !(featureIdf instanceof Float32Array) ||
      !(rowStart instanceof Int32Array) ||
      !(columns instanceof Int32Array) ||
      !(values instanceof Float32Array) ||
      !(labelIds instanceof Int32Array) ||
      featureIdf.length !== featureBuckets.length ||
      rowStart.length !== labelIds.length + 1 ||
      columns.length !== values.length ||
      rowStart[0] !== 0 ||
      rowStart[rowStart.length - 1] !== columns.length
    ) {
      throw new ArtifactError("knn arrays are missing or of the wrong size", source);
    }
    for (let row = 0; row < labelIds.length; row++) {
      if (rowStart[row + 1]! < rowStart[row]!) throw new ArtifactError("knn rows out of order", source);
      if (labelIds[row]! < 0 || labelIds[row]! >= header.labels.length) {
        throw new ArtifactError("knn label id out of range", source);
      }
    }
    for (const column of columns) {
      if (column < 0 || column >= featureBuckets.length)
        throw new ArtifactError("knn column out of range", source);
    }
    for (const bucket of featureBuckets) {
      if (bucket < 0 || bucket >= header.settings.buckets)
        throw new ArtifactError("knn bucket out of range", source);
    }
    return new KnnModel({ ...header, featureBuckets, featureIdf, rowStart, columns, values, labelIds });
  }

  async save(path: string): Promise<void> {
    await writeArtifactFile(path, this.toArtifact());
  }

  static async load(path: string): Promise<KnnModel> {
    const { header, arrays } = await readArtifactFileOfKind(path, KNN_KIND);
    return KnnModel.fromArtifact(header, arrays, path);
  }
}
