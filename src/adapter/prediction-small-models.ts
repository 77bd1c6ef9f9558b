import { averageNgramLinearModels } from "../small-models/average-ngram-linear-models.js";
import { averageNgramEmbeddingBlends, NgramEmbeddingBlend } from "../small-models/ngram-embedding-blend.js";
import type { TrainedSsm } from "../small-models/ssm-trainer.js";
import { ArtifactError } from "../spec/errors/artifact-error.js";
import type { TextEmbeddings } from "../text-encoders/text-embeddings.js";

/** Encodes texts ahead of `inspect` (a sentence encoder's vectors); see `Adapter.prepare`. */
export type PrepareTexts = (texts: readonly string[], options?: { signal?: AbortSignal }) => Promise<void>;

/** The small models an adapter predicts with, and how it prepares texts for them when they need it. */
export interface PredictionSmallModels {
  ssms: readonly TrainedSsm[];
  /** Present when a small model blends in a sentence encoder. */
  prepare: PrepareTexts | undefined;
}

/**
 * The K cross-fitted SSMs as the adapter predicts with them: `ngram-linear` fold models (and
 * n-gram + embedding blends) averaged into one model of the same cost as each; models that blend
 * in a sentence encoder are given `embeddings`, which must come from the encoder they were built
 * with (RangeError without it, ArtifactError for another encoder).
 */
export function predictionSmallModels(
  trained: readonly TrainedSsm[],
  embeddings: TextEmbeddings | undefined,
): PredictionSmallModels {
  const averaged = averageNgramLinearModels(trained) ?? averageNgramEmbeddingBlends(trained);
  let ssms: readonly TrainedSsm[] = averaged === undefined ? trained : [averaged];
  const encoderId = ssms.find((ssm) => ssm instanceof NgramEmbeddingBlend)?.encoderId;
  if (encoderId !== undefined) {
    if (embeddings === undefined) {
      throw new RangeError(`this adapter's small model needs its sentence encoder (${encoderId})`);
    }
    if (embeddings.encoderId !== encoderId) {
      throw new ArtifactError(
        `the adapter was built with the sentence encoder "${encoderId}", but this easy-adapt offers "${embeddings.encoderId}": re-run easy-adapt adapt`,
        "adapter.json",
      );
    }
    ssms = ssms.map((ssm) => (ssm instanceof NgramEmbeddingBlend ? ssm.withEmbeddings(embeddings) : ssm));
  }
  const prepare: PrepareTexts | undefined =
    encoderId === undefined || embeddings === undefined
      ? undefined
      : (texts, options) =>
          embeddings.prepare(texts, options?.signal === undefined ? {} : { signal: options.signal });
  return { ssms, prepare };
}
