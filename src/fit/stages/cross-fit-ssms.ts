import { predictInto, type SsmTrainer, type TrainedSsm } from "../../small-models/ssm-trainer.js";
import { buildFoldTrainingSet } from "./build-fold-training-set.js";
import { type FitContext, reliabilityOfFold } from "./fit-context.js";
import { trainInOrder } from "./train-in-order.js";
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
 * the fold's own rows with it: no row is scored by a model that saw it. The fold models are
 * trained by `trainers` at once (the first is the calling thread's; more train other folds at the
 * same time, each one fold at a time, in fold order); each fold's model, and so the result, is the
 * same whichever trainer trained it.
 */
export async function crossFitSsms(
  context: FitContext,
  strength: number,
  trainers: SsmTrainer | readonly SsmTrainer[],
  progress: TrainingProgress,
): Promise<CrossFit> {
  const started = performance.now();
  const { labelCount, foldCount, folds, rows } = context;
  const labelledCount = rows.labelledRows.length;
  const inFold: number[][] = Array.from({ length: foldCount }, () => []);
  const sets = Array.from({ length: foldCount }, (_, fold) => {
    const outOfFold: number[] = [];
    for (let index = 0; index < labelledCount; index += 1)
      (folds[index] === fold ? inFold[fold]! : outOfFold).push(index);
    const reliability = reliabilityOfFold(context.reliabilities, fold);
    return buildFoldTrainingSet(outOfFold, reliability, strength, rows, context.labels);
  });
  const foldName = (fold: number) => `complement strength ${strength}, fold ${fold + 1}/${foldCount}`;
  const models = await trainInOrder(sets, typeof trainers === "function" ? [trainers] : trainers, {
    started: (fold) => progress.report(foldName(fold)),
    finished: (fold) => {
      progress.trainingDone();
      progress.report(`${foldName(fold)} trained`);
    },
  });
  const probabilities = new Float32Array(labelledCount * labelCount);
  const novelty = new Float64Array(labelledCount);
  models.forEach((model, fold) => {
    for (const index of inFold[fold]!) {
      const text = rows.texts[index] ?? "";
      predictInto(model, text, probabilities, index * labelCount);
      novelty[index] = model.novelty?.(text) ?? 0;
    }
  });
  const trainedTexts = sets.map((set) => set.texts);
  return { models, probabilities, novelty, trainedTexts, seconds: (performance.now() - started) / 1000 };
}
