import { createBlendedTrainer } from "../small-models/blended-trainer.js";
import { FeatureCountCache } from "../small-models/feature-count-cache.js";
import type { SsmTrainer } from "../small-models/ssm-trainer.js";
import { trainNgramLinear } from "../small-models/train-ngram-linear.js";
import type { ProgressListener } from "../spec/logger.js";
import type { SentenceEncoder } from "../text-encoders/sentence-encoder.js";
import { createTextEmbeddings } from "../text-encoders/text-embeddings.js";

/** The small-model trainer used when none is given and there is no encoder. */
export const defaultTrainer: SsmTrainer = (set) => trainNgramLinear(set);

/**
 * `defaultTrainer` reading each text's n-grams once across the trainings of one adaptation (the
 * folds share most of their texts); the models are the same as `defaultTrainer`'s.
 */
function cachingDefaultTrainer(): SsmTrainer {
  const featureCounts = new FeatureCountCache();
  return (set) => trainNgramLinear(set, {}, { featureCounts });
}

/** Which trainer `prepareTrainer` builds (a subset of `AdaptOptions`). */
export interface TrainerOptions {
  trainer?: SsmTrainer;
  encoder?: SentenceEncoder;
  blendWeight?: number;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

/**
 * The trainer of the fold models: the one given, else the n-gram model, blended with a linear
 * model over the encoder's vectors when there is an encoder. With an encoder, every text is
 * encoded once here (the folds share the vectors), even when a trainer is given.
 */
export async function prepareTrainer(
  texts: readonly string[],
  options: TrainerOptions,
): Promise<{ trainer: SsmTrainer; seconds: number }> {
  const started = performance.now();
  let trainer = options.trainer ?? cachingDefaultTrainer();
  if (options.encoder !== undefined) {
    const embeddings = createTextEmbeddings(options.encoder);
    await embeddings.prepare(texts, {
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      onProgress: (done, total) => options.onProgress?.({ stage: "encode texts", done, total }),
    });
    trainer =
      options.trainer ??
      createBlendedTrainer(
        embeddings,
        options.blendWeight === undefined ? {} : { weight: options.blendWeight },
      );
  }
  return { trainer, seconds: (performance.now() - started) / 1000 };
}
