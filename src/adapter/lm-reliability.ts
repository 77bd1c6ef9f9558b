import { z } from "zod";

/**
 * How reliable the LM is on this task, from rows with a gold label and an LM answer
 * (`undefined` = no usable answer, counted as wrong). Every per-label rate is smoothed toward the
 * LM's global accuracy with a Beta prior of `priorStrength` pseudo-rows, so a label seen three
 * times does not get a reliability of 0 or 1.
 */
export interface LmReliability {
  labelCount: number;
  rowCount: number;
  /** Share of rows the LM answered right (unusable answers count as wrong). */
  accuracy: number;
  /** Share of rows whose answer was unusable (off the label set, or no answer). */
  unusableShare: number;
  /** Per true label: P(LM says y | true y). */
  recall: number[];
  /** Per answered label: P(true a | LM says a). */
  precision: number[];
  /** Sparse confusion of wrong answers: `"${trueId}:${answerId}"` → count. */
  confusions: Record<string, number>;
  /** Per true label: number of wrong (usable or not) answers. */
  wrongByTrue: number[];
  /** Per answered label: share of all wrong usable answers that named it (Laplace-smoothed). */
  wrongAnswerShare: number[];
  priorStrength: number;
}

export const lmReliabilitySchema = z.object({
  labelCount: z.number().int().positive(),
  rowCount: z.number().int().nonnegative(),
  accuracy: z.number(),
  unusableShare: z.number(),
  recall: z.array(z.number()),
  precision: z.array(z.number()),
  confusions: z.record(z.string(), z.number()),
  wrongByTrue: z.array(z.number()),
  wrongAnswerShare: z.array(z.number()),
  priorStrength: z.number(),
});

/** `answerIds[i]` is -1 where the LM gave no usable answer. Only rows where `include(i)` are counted. */
export function estimateLmReliability(
  goldIds: Int32Array,
  answerIds: Int32Array,
  labelCount: number,
  options: { priorStrength?: number; include?: (row: number) => boolean } = {},
): LmReliability {
  const priorStrength = options.priorStrength ?? 4;
  const trueCount = new Float64Array(labelCount);
  const trueRight = new Float64Array(labelCount);
  const answerCount = new Float64Array(labelCount);
  const answerRight = new Float64Array(labelCount);
  const wrongAnswerCount = new Float64Array(labelCount);
  const wrongByTrue = new Array<number>(labelCount).fill(0);
  const confusions: Record<string, number> = {};
  let rows = 0;
  let right = 0;
  let unusable = 0;
  let wrongUsable = 0;
  for (let row = 0; row < goldIds.length; row += 1) {
    if (options.include !== undefined && !options.include(row)) continue;
    const gold = goldIds[row] ?? -1;
    if (gold < 0) continue;
    const answer = answerIds[row] ?? -1;
    rows += 1;
    trueCount[gold] = (trueCount[gold] ?? 0) + 1;
    if (answer >= 0) answerCount[answer] = (answerCount[answer] ?? 0) + 1;
    if (answer === gold) {
      right += 1;
      trueRight[gold] = (trueRight[gold] ?? 0) + 1;
      answerRight[answer] = (answerRight[answer] ?? 0) + 1;
      continue;
    }
    wrongByTrue[gold] = (wrongByTrue[gold] ?? 0) + 1;
    if (answer < 0) {
      unusable += 1;
      continue;
    }
    wrongUsable += 1;
    wrongAnswerCount[answer] = (wrongAnswerCount[answer] ?? 0) + 1;
    const key = `${gold}:${answer}`;
    confusions[key] = (confusions[key] ?? 0) + 1;
  }
  const accuracy = rows > 0 ? right / rows : 0.5;
  const prior = Math.min(Math.max(accuracy, 0.02), 0.98);
  const recall = new Array<number>(labelCount);
  const precision = new Array<number>(labelCount);
  const wrongAnswerShare = new Array<number>(labelCount);
  for (let label = 0; label < labelCount; label += 1) {
    recall[label] =
      ((trueRight[label] ?? 0) + priorStrength * prior) / ((trueCount[label] ?? 0) + priorStrength);
    precision[label] =
      ((answerRight[label] ?? 0) + priorStrength * prior) / ((answerCount[label] ?? 0) + priorStrength);
    wrongAnswerShare[label] = ((wrongAnswerCount[label] ?? 0) + 1) / (wrongUsable + labelCount);
  }
  return {
    labelCount,
    rowCount: rows,
    accuracy,
    unusableShare: rows > 0 ? unusable / rows : 0,
    recall,
    precision,
    confusions,
    wrongByTrue,
    wrongAnswerShare,
    priorStrength,
  };
}

/**
 * P(LM answers `answer` | true label `label`), for the gate's naive-Bayes combination: the
 * smoothed recall when they match; otherwise the label's error rate times the share of its wrong
 * answers that go to `answer` (its own confusions, smoothed toward where wrong answers land overall).
 */
export function answerLikelihood(reliability: LmReliability, label: number, answer: number): number {
  const recall = reliability.recall[label] ?? reliability.accuracy;
  if (label === answer) return recall;
  const confusionPrior = 2;
  const confusions = confusionMatrixOf(reliability)[label * reliability.labelCount + answer] ?? 0;
  const spread =
    (confusions + confusionPrior * (reliability.wrongAnswerShare[answer] ?? 0)) /
    ((reliability.wrongByTrue[label] ?? 0) + confusionPrior);
  return Math.max(1 - recall, 1e-4) * Math.max(spread, 1e-6);
}

/** The sparse `confusions` as a dense row-major matrix, built once per reliability object. */
const confusionMatrices = new WeakMap<LmReliability, Float64Array>();

function confusionMatrixOf(reliability: LmReliability): Float64Array {
  let matrix = confusionMatrices.get(reliability);
  if (matrix === undefined) {
    const size = reliability.labelCount;
    matrix = new Float64Array(size * size);
    for (const [key, count] of Object.entries(reliability.confusions)) {
      const [label, answer] = key.split(":").map(Number);
      if (label !== undefined && answer !== undefined && label < size && answer < size) {
        matrix[label * size + answer] = count;
      }
    }
    confusionMatrices.set(reliability, matrix);
  }
  return matrix;
}
