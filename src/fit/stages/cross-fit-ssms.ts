import { predictInto, type SsmTrainer, type TrainedSsm } from "../../small-models/ssm-trainer.js";
import { buildFoldTrainingSet } from "./build-fold-training-set.js";
import { type FitContext, reliabilityOfFold } from "./fit-context.js";
import type { TrainingProgress } from "./training-progress.js";

/** The K fold models of one complement strength and their out-of-fold predictions. */
export interface CrossFit {
  models: TrainedSsm[];
  /** Out-of-fold probabilities, `labelCount` per labelled row (by index). */
  probabilities: Float32Array;
  /** Out-of-fold novelty of each labelled row for the model that scored it (0 if the model has none). */
  novelty: Float64Array;
  /** The texts each fold's model was trained on. */
  trainedTexts: (readonly string[])[];
  seconds: number;
}

/**
 * Trains one SSM per fold on the other folds' labelled rows (plus the distilled rows) and scores
 * the fold's own rows with it: no row is scored by a model that saw it.
 */
export async function crossFitSsms(
  context: FitContext,
  strength: number,
  trainer: SsmTrainer,
  progress: TrainingProgress,
): Promise<CrossFit> {
  const started = performance.now();
  const { labelCount, foldCount, folds, rows } = context;
  const labelledCount = rows.labelledRows.length;
  const probabilities = new Float32Array(labelledCount * labelCount);
  const novelty = new Float64Array(labelledCount);
  const trainedTexts: (readonly string[])[] = [];
  const models: TrainedSsm[] = [];
  for (let fold = 0; fold < foldCount; fold += 1) {
    const inFold: number[] = [];
    const outOfFold: number[] = [];
    for (let index = 0; index < labelledCount; index += 1)
      (folds[index] === fold ? inFold : outOfFold).push(index);
    progress.report(`complement strength ${strength}, fold ${fold + 1}/${foldCount}`);
    const reliability = reliabilityOfFold(context.reliabilities, fold);
    const set = buildFoldTrainingSet(outOfFold, reliability, strength, rows, context.labels);
    const model = await trainer(set);
    models.push(model);
    trainedTexts.push(set.texts);
    for (const index of inFold) {
      const text = rows.texts[index] ?? "";
      predictInto(model, text, probabilities, index * labelCount);
      novelty[index] = model.novelty?.(text) ?? 0;
    }
    progress.trainingDone();
  }
  return { models, probabilities, novelty, trainedTexts, seconds: (performance.now() - started) / 1000 };
}
