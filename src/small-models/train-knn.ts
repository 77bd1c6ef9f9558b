import { z } from "zod";
import { UsageError } from "../spec/errors/usage-error.js";
import type { ProgressListener } from "../spec/logger.js";
import type { TrainingSet } from "../spec/small-model.js";
import { extractFeatures } from "./feature-matrix.js";
import { KnnModel } from "./knn-model.js";
import { featureSettingsOf, hashedFeatureOptionFields } from "./ngram-linear-options.js";
import { validateTrainingSet } from "./validate-training-set.js";

/** Options of the `knn` kind (features as ngram-linear's defaults; `neighbours` 10, `smoothing` 0.01). */
export const knnOptionsSchema = z.object({
  ...hashedFeatureOptionFields,
  stripMarkup: z.boolean().default(false),
  neighbours: z.number().int().min(1).default(10),
  smoothing: z.number().positive().default(0.01),
});
/** Options of `trainKnn`, each optional with the default given in its schema. */
export type KnnOptionsInput = z.input<typeof knnOptionsSchema>;

/**
 * "Trains" a knn model: extracts and keeps the training vectors. Example weights of 0 drop a
 * row; other weights are ignored (a neighbour votes with its similarity). Deterministic.
 */
export async function trainKnn(
  set: TrainingSet,
  optionsInput: KnnOptionsInput = {},
  hooks: { onProgress?: ProgressListener; signal?: AbortSignal } = {},
): Promise<KnnModel> {
  const parsed = knnOptionsSchema.safeParse(optionsInput);
  if (!parsed.success) throw new UsageError(`invalid knn options: ${parsed.error.message}`);
  const options = parsed.data;
  validateTrainingSet(set);
  hooks.signal?.throwIfAborted();
  const kept = set.texts.map((_, index) => index).filter((index) => (set.exampleWeights?.[index] ?? 1) > 0);
  const matrix = extractFeatures(
    kept.map((index) => set.texts[index]!),
    options,
    hooks.onProgress,
  );
  return new KnnModel({
    labels: [...set.labels],
    settings: featureSettingsOf(options),
    neighbours: options.neighbours,
    smoothing: options.smoothing,
    featureBuckets: matrix.featureBuckets,
    featureIdf: matrix.featureIdf,
    unseenIdf: matrix.unseenIdf,
    rowStart: matrix.rowStart,
    columns: matrix.columns,
    values: matrix.values,
    labelIds: Int32Array.from(kept.map((index) => set.labelIds[index]!)),
  });
}
