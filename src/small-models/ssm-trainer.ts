import type { SmallModel, TrainingSet } from "../spec/small-model.js";

/** A trained small model as the pipeline uses it: probabilities, and where known a novelty score. */
export interface TrainedSsm extends SmallModel {
  /** Writes the probabilities into `target` (from index 0) without allocating (optional fast path). */
  predictProbaInto?(text: string, target: Float32Array): void;
  /** How unlike the training data the text is (0 = familiar); 0 when the model cannot tell. */
  novelty?(text: string): number;
}

/** Trains one SSM; injected so tests can record what each model saw. */
export type SsmTrainer = (set: TrainingSet) => TrainedSsm | Promise<TrainedSsm>;

export function predictInto(model: TrainedSsm, text: string, target: Float32Array, offset: number): void {
  if (model.predictProbaInto !== undefined) {
    model.predictProbaInto(text, target.subarray(offset, offset + model.labels.length));
    return;
  }
  target.set(model.predictProba(text), offset);
}
