import type { LmReliability } from "../../adapter/lm-reliability.js";
import type { TrainingSet } from "../../spec/small-model.js";
import { complementWeights } from "../complement-weights.js";
import type { IndexedRows } from "./fit-context.js";

/**
 * One fold model's training set: the labelled rows at `indices` with their gold labels and
 * complement weights (at `strength`, under the fold's `reliability`), then every distilled row
 * with the LM's answer as its label, weighted 0.8 × the LM's precision on that answer.
 */
export function buildFoldTrainingSet(
  indices: readonly number[],
  reliability: LmReliability,
  strength: number,
  rows: IndexedRows,
  labels: readonly string[],
): TrainingSet {
  const { gold, answers, texts, distilledTexts, distilledLabels } = rows;
  const weights = complementWeights(indices, gold, answers, reliability, strength);
  const setTexts = indices.map((index) => texts[index] ?? "");
  const labelIds = new Int32Array(indices.length + distilledTexts.length);
  indices.forEach((index, position) => {
    labelIds[position] = gold[index] ?? 0;
  });
  const exampleWeights = new Float32Array(indices.length + distilledTexts.length);
  exampleWeights.set(weights);
  distilledLabels.forEach((answer, position) => {
    labelIds[indices.length + position] = answer;
    exampleWeights[indices.length + position] = 0.8 * (reliability.precision[answer] ?? reliability.accuracy);
  });
  return { texts: [...setTexts, ...distilledTexts], labelIds, labels, exampleWeights };
}
