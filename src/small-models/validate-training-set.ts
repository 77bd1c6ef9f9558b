import { UsageError } from "../spec/errors/usage-error.js";
import type { TrainingSet } from "../spec/small-model.js";

/** Refuses a training set whose parts disagree (a programming error upstream, reported plainly). */
export function validateTrainingSet(set: TrainingSet, classWeights?: readonly number[]): void {
  const classes = set.labels.length;
  if (classes < 2) throw new UsageError(`a small model needs at least two labels, got ${classes}`);
  if (new Set(set.labels).size !== classes) throw new UsageError("the training set's labels are not unique");
  if (set.texts.length === 0) throw new UsageError("the training set is empty");
  if (set.labelIds.length !== set.texts.length) {
    throw new UsageError(`${set.texts.length} texts but ${set.labelIds.length} label ids`);
  }
  for (const id of set.labelIds) {
    if (id < 0 || id >= classes) throw new UsageError(`label id ${id} is outside 0..${classes - 1}`);
  }
  if (set.exampleWeights !== undefined) {
    if (set.exampleWeights.length !== set.texts.length) {
      throw new UsageError(`${set.texts.length} texts but ${set.exampleWeights.length} example weights`);
    }
    for (const weight of set.exampleWeights) {
      if (!(weight >= 0) || !Number.isFinite(weight))
        throw new UsageError(`invalid example weight ${weight}`);
    }
  }
  if (classWeights !== undefined && classWeights.length !== classes) {
    throw new UsageError(`${classes} labels but ${classWeights.length} class weights`);
  }
}
