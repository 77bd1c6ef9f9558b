import { z } from "zod";
import { answerLikelihood, type LmReliability } from "./lm-reliability.js";

/**
 * The gate used once the LM has answered: a naive-Bayes combination of the SSM's probabilities
 * and the LM's answer, `score(y) = ssmWeight·log p(y) + lmWeight·log P(LM says a | y)`. The two
 * exponents are fitted on out-of-fold rows; the result is a posterior over the labels.
 */
export interface GateParameters {
  ssmWeight: number;
  lmWeight: number;
}

/** The gate that keeps the LM's answer as is (used where the combination does not measurably help). */
export const lmAnswerGate: GateParameters = { ssmWeight: 0, lmWeight: 1 };

export const gateParametersSchema = z.object({ ssmWeight: z.number(), lmWeight: z.number() });

export interface GateResult {
  labelId: number;
  confidence: number;
}

/** `scratch` (length ≥ label count) avoids an allocation per call. */
export function combineWithAnswer(
  probabilities: ArrayLike<number>,
  answerId: number,
  reliability: LmReliability,
  parameters: GateParameters,
  scratch: Float64Array,
): GateResult {
  const labelCount = reliability.labelCount;
  if (parameters.ssmWeight === 0) {
    return { labelId: answerId, confidence: reliability.precision[answerId] ?? reliability.accuracy };
  }
  let best = -1;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (let label = 0; label < labelCount; label += 1) {
    const score =
      parameters.ssmWeight * Math.log(Math.max(probabilities[label] ?? 0, 1e-9)) +
      parameters.lmWeight * Math.log(answerLikelihood(reliability, label, answerId));
    scratch[label] = score;
    if (score > bestScore) {
      bestScore = score;
      best = label;
    }
  }
  let total = 0;
  for (let label = 0; label < labelCount; label += 1) total += Math.exp((scratch[label] ?? 0) - bestScore);
  return { labelId: best, confidence: 1 / total };
}

/**
 * Grid-searches the two exponents for the best mean log-likelihood of the gold labels
 * (ties broken toward 1/1). `rows` lists the rows to fit on, each with its own (out-of-fold) reliability.
 */
export function fitGate(
  rows: readonly {
    probabilities: ArrayLike<number>;
    answerId: number;
    goldId: number;
    reliability: LmReliability;
  }[],
  labelCount: number,
): GateParameters {
  const grid = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 3];
  const scratch = new Float64Array(labelCount);
  let best: GateParameters = { ssmWeight: 1, lmWeight: 1 };
  let bestScore = Number.NEGATIVE_INFINITY;
  if (rows.length === 0) return best;
  for (const ssmWeight of grid) {
    for (const lmWeight of grid) {
      let logLikelihood = 0;
      for (const row of rows) {
        if (row.answerId < 0) continue;
        let maxScore = Number.NEGATIVE_INFINITY;
        for (let label = 0; label < labelCount; label += 1) {
          const score =
            ssmWeight * Math.log(Math.max(row.probabilities[label] ?? 0, 1e-9)) +
            lmWeight * Math.log(answerLikelihood(row.reliability, label, row.answerId));
          scratch[label] = score;
          if (score > maxScore) maxScore = score;
        }
        let total = 0;
        for (let label = 0; label < labelCount; label += 1)
          total += Math.exp((scratch[label] ?? 0) - maxScore);
        logLikelihood += (scratch[row.goldId] ?? maxScore) - maxScore - Math.log(total);
      }
      const penalty = 1e-3 * rows.length * (Math.abs(Math.log(ssmWeight)) + Math.abs(Math.log(lmWeight)));
      if (logLikelihood - penalty > bestScore) {
        bestScore = logLikelihood - penalty;
        best = { ssmWeight, lmWeight };
      }
    }
  }
  return best;
}
