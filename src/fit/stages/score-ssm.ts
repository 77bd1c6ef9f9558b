import { summariseProbabilities } from "../../adapter/router-features.js";

/** How the SSM does on the labelled rows, out of fold. */
export interface SsmScores {
  /** Its top label and top probability on each row (by index). */
  topLabel: Int32Array;
  top: Float64Array;
  /** 1 where its top label is the gold label. */
  right: Uint8Array;
  accuracy: number;
  /** Its precision on each predicted label, smoothed toward `accuracy` by 4 pseudo rows. */
  precision: number[];
}

/** Scores the SSM's (tempered, out-of-fold) probabilities against the gold labels. */
export function scoreSsm(probabilities: Float32Array, gold: Int32Array, labelCount: number): SsmScores {
  const labelledCount = gold.length;
  const topLabel = new Int32Array(labelledCount);
  const top = new Float64Array(labelledCount);
  const right = new Uint8Array(labelledCount);
  const predictedCount = new Float64Array(labelCount);
  const predictedRight = new Float64Array(labelCount);
  let rightTotal = 0;
  for (let index = 0; index < labelledCount; index += 1) {
    const summary = summariseProbabilities(probabilities, index * labelCount, labelCount);
    topLabel[index] = summary.topLabel;
    top[index] = summary.top;
    const isRight = summary.topLabel === gold[index] ? 1 : 0;
    right[index] = isRight;
    rightTotal += isRight;
    predictedCount[summary.topLabel] = (predictedCount[summary.topLabel] ?? 0) + 1;
    predictedRight[summary.topLabel] = (predictedRight[summary.topLabel] ?? 0) + isRight;
  }
  const accuracy = labelledCount > 0 ? rightTotal / labelledCount : 0;
  const precision = Array.from(
    { length: labelCount },
    (_, label) => ((predictedRight[label] ?? 0) + 4 * accuracy) / ((predictedCount[label] ?? 0) + 4),
  );
  return { topLabel, top, right, accuracy, precision };
}
