import { z } from "zod";
import { softmaxInto } from "../learners/softmax.js";
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
import { scoreSparseRow } from "./sparse-scores.js";
import type { TrainedSmallModel } from "./trained-small-model.js";

export const NGRAM_LINEAR_KIND = "ngram-linear";
export const NGRAM_LINEAR_VERSION = 1;

/** Everything a trained `ngram-linear` model is made of. */
export interface NgramLinearParts {
  labels: readonly string[];
  settings: NgramFeatureSettings;
  /** The hashed buckets seen in training, ascending: the rows of `weights`. */
  featureBuckets: Int32Array;
  /** Weight of each row's bucket: idf (1 when settings.idf is false) × class-ratio weight, if trained with it. */
  featureIdf: Float32Array;
  /**
   * Set on an average of several models (see average-ngram-linear-models.ts): the share of them that
   * saw each row's bucket in training, so that novelty is the mean of theirs. Absent: 1 everywhere.
   */
  featureShare?: Float32Array | undefined;
  /** idf given to buckets never seen in training (they still count in the L2 norm). */
  unseenIdf: number;
  /** Row-major `featureBuckets.length × labels.length`. */
  weights: Float32Array;
  bias: Float32Array;
  /** Softmax temperature fitted on held-out data (1 when none was held out). */
  temperature: number;
  trainingExamples: number;
  epochs: number;
}

const headerSchema = z.object({
  kind: z.literal(NGRAM_LINEAR_KIND),
  version: z.literal(NGRAM_LINEAR_VERSION),
  labels: z.array(z.string().min(1)).min(2),
  settings: ngramFeatureSettingsSchema,
  unseenIdf: z.number().finite(),
  temperature: z.number().finite().positive(),
  trainingExamples: z.number().int().min(0),
  epochs: z.number().int().min(0),
});

const snapshotSchema = headerSchema.extend({
  featureBuckets: z.string(),
  featureIdf: z.string(),
  featureShare: z.string().optional(),
  weights: z.string(),
  bias: z.string(),
});

export type NgramLinearSnapshot = z.output<typeof snapshotSchema>;

/**
 * A multinomial logistic regression over hashed word and character n-grams. Prediction reuses
 * its buffers: one instance must not be used by two callers at once (it is not re-entrant).
 */
export class NgramLinearModel implements TrainedSmallModel {
  readonly kind = NGRAM_LINEAR_KIND;
  readonly labels: readonly string[];
  readonly parts: NgramLinearParts;
  private readonly reader: KnownFeatureReader;
  private readonly logits: Float64Array;

  constructor(parts: NgramLinearParts) {
    this.parts = parts;
    this.labels = parts.labels;
    this.reader = new KnownFeatureReader(
      parts.settings,
      parts.featureBuckets,
      parts.featureIdf,
      parts.unseenIdf,
      parts.featureShare,
    );
    this.logits = new Float64Array(parts.labels.length);
  }

  predictProba(text: string): Float32Array {
    const out = new Float32Array(this.labels.length);
    this.predictProbaInto(text, out);
    return out;
  }

  /** Writes one calibrated probability per label (in `labels` order) into `out`; no allocation. */
  predictProbaInto(text: string, out: Float32Array): void {
    this.rawLogitsInto(text, this.logits);
    softmaxInto(this.logits, this.labels.length, this.parts.temperature, out);
  }

  /** The uncalibrated scores (before temperature and softmax) into `out`. */
  rawLogitsInto(text: string, out: Float64Array): void {
    const known = this.reader.read(text);
    const { weights, bias } = this.parts;
    scoreSparseRow(weights, bias, this.labels.length, this.reader.rows, this.reader.values, 0, known, out);
  }

  /** Share in [0, 1] of the text's distinct hashed features never seen in training (1 for a text with none). */
  novelty(text: string): number {
    return this.reader.novelty(text);
  }

  toJSON(): NgramLinearSnapshot & SmallModelSnapshot {
    return artifactToSnapshot(this.toArtifact()) as NgramLinearSnapshot & SmallModelSnapshot;
  }

  /** Rebuilds a model from `toJSON()` output; refuses anything malformed with ArtifactError. */
  static fromJSON(value: unknown, source = "(snapshot)"): NgramLinearModel {
    const parsed = snapshotSchema.safeParse(value);
    if (!parsed.success)
      throw new ArtifactError(`not an ngram-linear snapshot: ${parsed.error.message}`, source);
    const arrays = snapshotArrays(parsed.data, {
      featureBuckets: "i32",
      featureIdf: "f32",
      featureShare: "f32",
      weights: "f32",
      bias: "f32",
    });
    return NgramLinearModel.fromArtifact(parsed.data, arrays, source);
  }

  toArtifact(): { header: Record<string, unknown>; arrays: Record<string, ArtifactArray> } {
    const { parts } = this;
    return {
      header: {
        kind: NGRAM_LINEAR_KIND,
        version: NGRAM_LINEAR_VERSION,
        labels: [...parts.labels],
        settings: parts.settings,
        unseenIdf: parts.unseenIdf,
        temperature: parts.temperature,
        trainingExamples: parts.trainingExamples,
        epochs: parts.epochs,
      },
      arrays: {
        featureBuckets: parts.featureBuckets,
        featureIdf: parts.featureIdf,
        ...(parts.featureShare === undefined ? {} : { featureShare: parts.featureShare }),
        weights: parts.weights,
        bias: parts.bias,
      },
    };
  }

  static fromArtifact(
    headerValue: unknown,
    arrays: Record<string, ArtifactArray>,
    source: string,
  ): NgramLinearModel {
    const parsed = headerSchema.safeParse(headerValue);
    if (!parsed.success)
      throw new ArtifactError(`invalid ngram-linear header: ${parsed.error.message}`, source);
    const header = parsed.data;
    const { featureBuckets, featureIdf, featureShare, weights, bias } = arrays;
    const classes = header.labels.length;
    if (
      !(featureBuckets instanceof Int32Array) ||
      !(featureIdf instanceof Float32Array) ||
      !(weights instanceof Float32Array) ||
      !(bias instanceof Float32Array) ||
      featureIdf.length !== featureBuckets.length ||
      weights.length !== featureBuckets.length * classes ||
      bias.length !== classes ||
      (featureShare !== undefined &&
        (!(featureShare instanceof Float32Array) || featureShare.length !== featureBuckets.length))
    ) {
      throw new ArtifactError("ngram-linear arrays are missing or of the wrong size", source);
    }
    if (featureShare?.some((share) => !(share > 0 && share <= 1))) {
      throw new ArtifactError("ngram-linear feature shares must lie in (0, 1]", source);
    }
    let previous = -1;
    for (const bucket of featureBuckets) {
      if (bucket <= previous || bucket >= header.settings.buckets) {
        throw new ArtifactError("ngram-linear feature buckets out of order or range", source);
      }
      previous = bucket;
    }
    for (const array of [featureIdf, weights, bias]) {
      for (const value of array) {
        if (!Number.isFinite(value)) throw new ArtifactError("ngram-linear weights are not finite", source);
      }
    }
    if (new Set(header.labels).size !== classes) throw new ArtifactError("duplicate labels", source);
    return new NgramLinearModel({
      ...header,
      featureBuckets,
      featureIdf,
      ...(featureShare instanceof Float32Array ? { featureShare } : {}),
      weights,
      bias,
    });
  }

  /** Saves the versioned, checksummed binary artifact (atomically). */
  async save(path: string): Promise<void> {
    await writeArtifactFile(path, this.toArtifact());
  }

  static async load(path: string): Promise<NgramLinearModel> {
    const { header, arrays } = await readArtifactFileOfKind(path, NGRAM_LINEAR_KIND);
    return NgramLinearModel.fromArtifact(header, arrays, path);
  }
}
