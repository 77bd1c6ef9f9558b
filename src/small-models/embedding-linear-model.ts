import { z } from "zod";
import { softmaxInto } from "../learners/softmax.js";
import { ArtifactError } from "../spec/errors/artifact-error.js";
import { UsageError } from "../spec/errors/usage-error.js";
import { scoreDenseRowInto } from "./dense-scores.js";
import { type ArtifactArray, readArtifactFileOfKind, writeArtifactFile } from "./model-artifact.js";

export const EMBEDDING_LINEAR_KIND = "embedding-linear";
export const EMBEDDING_LINEAR_VERSION = 1;

/** Everything a trained `embedding-linear` model is made of. */
export interface EmbeddingLinearParts {
  labels: readonly string[];
  dimensions: number;
  /**
   * Row-major `labels.length × dimensions`: logit_k = Σ_j weights[k·D + j]·x_j + bias[k] over the
   * raw input vector x (the training-time standardisation is folded in).
   */
  weights: Float32Array;
  bias: Float32Array;
  /** Softmax temperature fitted on held-out rows (1 when none were held out, and for an average). */
  temperature: number;
  trainingExamples: number;
  epochs: number;
  /** The L2 penalty it was trained with (0 for an average: informational). */
  l2: number;
}

const headerSchema = z.object({
  kind: z.literal(EMBEDDING_LINEAR_KIND),
  version: z.literal(EMBEDDING_LINEAR_VERSION),
  labels: z.array(z.string().min(1)).min(2),
  dimensions: z.number().int().min(1),
  temperature: z.number().finite().positive(),
  trainingExamples: z.number().int().min(0),
  epochs: z.number().int().min(0),
  l2: z.number().finite().min(0),
});

/**
 * A multinomial logistic regression over dense vectors (text embeddings). Prediction reuses one
 * buffer: an instance must not be used by two callers at once (it is not re-entrant).
 */
export class EmbeddingLinearModel {
  readonly kind = EMBEDDING_LINEAR_KIND;
  readonly labels: readonly string[];
  readonly dimensions: number;
  readonly parts: EmbeddingLinearParts;
  private readonly logits: Float64Array;

  constructor(parts: EmbeddingLinearParts) {
    const classes = parts.labels.length;
    if (parts.weights.length !== classes * parts.dimensions || parts.bias.length !== classes) {
      throw new UsageError(
        `embedding-linear parts disagree: ${classes} labels × ${parts.dimensions} dimensions but ${parts.weights.length} weights and ${parts.bias.length} biases`,
      );
    }
    this.parts = parts;
    this.labels = parts.labels;
    this.dimensions = parts.dimensions;
    this.logits = new Float64Array(classes);
  }

  /**
   * Calibrated probabilities (its own temperature applied) of the vector at
   * `vectors[offset .. offset + dimensions)` into `out[0 .. labels.length)`; no allocation.
   */
  predictProbaInto(vectors: Float32Array, offset: number, out: Float32Array): void {
    this.rawLogitsInto(vectors, offset, this.logits);
    softmaxInto(this.logits, this.labels.length, this.parts.temperature, out);
  }

  /** One probability per label for the vector at `vectors[offset ..)` (allocates its result). */
  predictProba(vectors: Float32Array, offset = 0): Float32Array {
    const out = new Float32Array(this.labels.length);
    this.predictProbaInto(vectors, offset, out);
    return out;
  }

  /** The uncalibrated scores (before temperature and softmax) into `out[0 .. labels.length)`. */
  rawLogitsInto(vectors: Float32Array, offset: number, out: Float64Array | Float32Array): void {
    const dimensions = this.dimensions;
    if (!Number.isInteger(offset) || offset < 0 || offset + dimensions > vectors.length) {
      throw new UsageError(
        `no ${dimensions}-dimensional vector at offset ${offset} of ${vectors.length} values`,
      );
    }
    scoreDenseRowInto(vectors, offset, this.parts.weights, this.parts.bias, dimensions, out, 0);
  }

  toArtifact(): { header: Record<string, unknown>; arrays: Record<string, ArtifactArray> } {
    const { parts } = this;
    return {
      header: {
        kind: EMBEDDING_LINEAR_KIND,
        version: EMBEDDING_LINEAR_VERSION,
        labels: [...parts.labels],
        dimensions: parts.dimensions,
        temperature: parts.temperature,
        trainingExamples: parts.trainingExamples,
        epochs: parts.epochs,
        l2: parts.l2,
      },
      arrays: { weights: parts.weights, bias: parts.bias },
    };
  }

  /** Rebuilds a model from an artifact's header and arrays; refuses anything malformed with ArtifactError. */
  static fromArtifact(
    headerValue: unknown,
    arrays: Record<string, ArtifactArray>,
    source: string,
  ): EmbeddingLinearModel {
    const parsed = headerSchema.safeParse(headerValue);
    if (!parsed.success)
      throw new ArtifactError(`invalid embedding-linear header: ${parsed.error.message}`, source);
    const header = parsed.data;
    const classes = header.labels.length;
    const { weights, bias } = arrays;
    if (
      !(weights instanceof Float32Array) ||
      !(bias instanceof Float32Array) ||
      weights.length !== classes * header.dimensions ||
      bias.length !== classes
    ) {
      throw new ArtifactError("embedding-linear arrays are missing or of the wrong size", source);
    }
    for (const array of [weights, bias]) {
      for (const value of array) {
        if (!Number.isFinite(value))
          throw new ArtifactError("embedding-linear weights are not finite", source);
      }
    }
    if (new Set(header.labels).size !== classes) throw new ArtifactError("duplicate labels", source);
    return new EmbeddingLinearModel({
      labels: header.labels,
      dimensions: header.dimensions,
      weights,
      bias,
      temperature: header.temperature,
      trainingExamples: header.trainingExamples,
      epochs: header.epochs,
      l2: header.l2,
    });
  }

  /** Saves the versioned, checksummed binary artifact (atomically). */
  async save(path: string): Promise<void> {
    await writeArtifactFile(path, this.toArtifact());
  }

  /** Loads a saved model; refuses a file of another kind, a corrupted one or bad shapes with ArtifactError. */
  static async load(path: string): Promise<EmbeddingLinearModel> {
    const { header, arrays } = await readArtifactFileOfKind(path, EMBEDDING_LINEAR_KIND);
    return EmbeddingLinearModel.fromArtifact(header, arrays, path);
  }
}
