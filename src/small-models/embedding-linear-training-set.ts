import { UsageError } from "../spec/errors/usage-error.js";

/** Training data for an `embedding-linear` model: one dense vector per row, a label id and a weight. */
export interface EmbeddingTrainingSet {
  /** rows × dimensions values, row-major. */
  vectors: Float32Array;
  dimensions: number;
  /** One id per row, an index into `labels`. */
  labelIds: Int32Array;
  labels: readonly string[];
  /** Per-row weights (default 1); the pipeline raises them where the LLM is wrong. */
  exampleWeights?: Float32Array;
}

/** Refuses a training set whose parts disagree (a programming error upstream, reported plainly). */
export function validateEmbeddingTrainingSet(
  set: EmbeddingTrainingSet,
  classWeights?: readonly number[],
): void {
  const classes = set.labels.length;
  if (classes < 2) throw new UsageError(`a small model needs at least two labels, got ${classes}`);
  if (new Set(set.labels).size !== classes) throw new UsageError("the training set's labels are not unique");
  if (!Number.isInteger(set.dimensions) || set.dimensions < 1) {
    throw new UsageError(`invalid vector dimensions ${set.dimensions}`);
  }
  const rows = set.labelIds.length;
  if (rows === 0) throw new UsageError("the training set is empty");
  if (set.vectors.length !== rows * set.dimensions) {
    throw new UsageError(
      `${set.vectors.length} vector values for ${rows} label ids × ${set.dimensions} dimensions (expected ${rows * set.dimensions})`,
    );
  }
  set.labelIds.forEach((id, row) => {
    if (id < 0 || id >= classes)
      throw new UsageError(`row ${row}: label id ${id} is outside 0..${classes - 1}`);
  });
  for (let index = 0; index < set.vectors.length; index++) {
    if (!Number.isFinite(set.vectors[index]!)) {
      throw new UsageError(
        `row ${Math.floor(index / set.dimensions)}: vector value ${set.vectors[index]} is not finite`,
      );
    }
  }
  if (set.exampleWeights !== undefined) {
    if (set.exampleWeights.length !== rows) {
      throw new UsageError(`${rows} rows but ${set.exampleWeights.length} example weights`);
    }
    set.exampleWeights.forEach((weight, row) => {
      if (!(weight >= 0) || !Number.isFinite(weight)) {
        throw new UsageError(`row ${row}: invalid example weight ${weight}`);
      }
    });
  }
  if (classWeights !== undefined && classWeights.length !== classes) {
    throw new UsageError(`${classes} labels but ${classWeights.length} class weights`);
  }
}
