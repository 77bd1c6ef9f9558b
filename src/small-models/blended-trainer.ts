import type { TextEmbeddings } from "../text-encoders/text-embeddings.js";
import { defaultBlendWeight, NgramEmbeddingBlend } from "./ngram-embedding-blend.js";
import type { NgramLinearOptionsInput } from "./ngram-linear-options.js";
import type { SsmTrainer } from "./ssm-trainer.js";
import { type EmbeddingLinearOptionsInput, trainEmbeddingLinear } from "./train-embedding-linear.js";
import { trainNgramLinear } from "./train-ngram-linear.js";

export interface BlendedTrainerOptions {
  /** The encoder side's share of the blend (default `defaultBlendWeight`). */
  weight?: number;
  ngram?: NgramLinearOptionsInput;
  embedding?: EmbeddingLinearOptionsInput;
}

/**
 * Trains the n-gram model and the sentence-encoder model on the same rows, labels and example
 * weights, and blends them. Every training text must already be prepared in `embeddings`
 * (`adapt` encodes all rows once, before the folds).
 */
export function createBlendedTrainer(
  embeddings: TextEmbeddings,
  options: BlendedTrainerOptions = {},
): SsmTrainer {
  const weight = options.weight ?? defaultBlendWeight;
  return async (set) => {
    const ngram = await trainNgramLinear(set, options.ngram);
    const dimensions = embeddings.dimensions;
    const vectors = new Float32Array(set.texts.length * dimensions);
    set.texts.forEach((text, row) => {
      vectors.set(embeddings.get(text), row * dimensions);
    });
    const embedding = await trainEmbeddingLinear(
      {
        vectors,
        dimensions,
        labelIds: set.labelIds,
        labels: set.labels,
        ...(set.exampleWeights === undefined ? {} : { exampleWeights: set.exampleWeights }),
      },
      options.embedding,
    );
    return new NgramEmbeddingBlend(ngram, embedding, weight, embeddings.encoderId, embeddings);
  };
}
