import { createBlendedTrainer } from "../small-models/blended-trainer.js";
import { FeatureCountCache } from "../small-models/feature-count-cache.js";
import { startNgramTrainingThreads } from "../small-models/ngram-training-threads.js";
import type { SsmTrainer } from "../small-models/ssm-trainer.js";
import { trainNgramLinear } from "../small-models/train-ngram-linear.js";
import type { ProgressListener } from "../spec/logger.js";
import type { SentenceEncoder } from "../text-encoders/sentence-encoder.js";
import { createTextEmbeddings } from "../text-encoders/text-embeddings.js";
import { trainingWorkerCount } from "./training-threads.js";

/** The small-model trainer used when none is given and there is no encoder. */
export const defaultTrainer: SsmTrainer = (set) => trainNgramLinear(set);

/**
 * `defaultTrainer` reading each text's n-grams once across the trainings of one adaptation (the
 * folds share most of their texts); the models are the same as `defaultTrainer`'s.
 */
function cachingDefaultTrainer(signal: AbortSignal | undefined): SsmTrainer {
  const featureCounts = new FeatureCountCache();
  return (set) => trainNgramLinear(set, {}, { featureCounts, ...(signal === undefined ? {} : { signal }) });
}

/** Which trainer `prepareTrainer` builds (a subset of `AdaptOptions`). */
export interface TrainerOptions {
  trainer?: SsmTrainer;
  encoder?: SentenceEncoder;
  blendWeight?: number;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  /** Threads that train the default trainer's fold models, the calling thread included (see `trainingWorkerCount`). */
  trainingThreads?: number;
  foldCount?: number;
}

/** The fold models' trainers: the calling thread's, those of the training threads, and their end. */
export interface PreparedTrainer {
  trainer: SsmTrainer;
  /** The training threads' trainers (none unless the default trainer is used with threads). */
  parallelTrainers: readonly SsmTrainer[];
  /** How many threads trained at least one fold model so far, the calling thread included. */
  threadsUsed(): number;
  /** Ends the training threads (call it once cross-fitting is over, also after a failure). */
  close(): Promise<void>;
  seconds: number;
}

/**
 * The trainer of the fold models: the one given, else the n-gram model, blended with a linear
 * model over the encoder's vectors when there is an encoder. With an encoder, every text is
 * encoded once here (the folds share the vectors), even when a trainer is given. The default
 * n-gram trainer also trains in worker threads (`trainingWorkerCount`), started here.
 */
export async function prepareTrainer(
  texts: readonly string[],
  options: TrainerOptions,
): Promise<PreparedTrainer> {
  const started = performance.now();
  if (options.trainer === undefined && options.encoder === undefined) {
    const workers = trainingWorkerCount(options.trainingThreads, options.foldCount, texts.length);
    const threads = workers > 0 ? startNgramTrainingThreads(workers, { signal: options.signal }) : undefined;
    return {
      trainer: cachingDefaultTrainer(options.signal),
      parallelTrainers: threads?.trainers ?? [],
      threadsUsed: () => 1 + (threads?.trainedCounts().filter((count) => count > 0).length ?? 0),
      close: async () => threads?.close(),
      seconds: (performance.now() - started) / 1000,
    };
  }
  let trainer = options.trainer ?? cachingDefaultTrainer(options.signal);
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
  const seconds = (performance.now() - started) / 1000;
  return { trainer, parallelTrainers: [], threadsUsed: () => 1, close: async () => {}, seconds };
}
