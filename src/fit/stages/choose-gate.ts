import { combineWithAnswer, fitGate, type GateParameters, lmAnswerGate } from "../../adapter/answer-gate.js";
import { safetyZ } from "../operating-point.js";
import { pairedGain } from "../paired-gain.js";
import { type FitContext, hasGoldLabel, reliabilityOfFold } from "./fit-context.js";

/** The answer gate kept and, per labelled row (by index), whether its answer is right. */
export interface GateChoice {
  gate: GateParameters;
  gatedRight: Uint8Array;
}

/**
 * Fits the gate on the probed rows with a usable LM answer and keeps it only where it measurably
 * beats the LM's own answer (`lmAnswerGate`): paired, one-sided 99% (`safetyZ`). Only gold rows
 * can show the SSM may overrule the LM: rows whose label is the LM's own answer are left out of
 * both the fit and the test (with no gold row, the LM's answer is kept as is).
 */
export function chooseGate(
  context: FitContext,
  probabilities: Float32Array,
  ssmRight: Uint8Array,
): GateChoice {
  const { labelCount, folds, reliabilities } = context;
  const { probed, answers, gold } = context.rows;
  const goldProbed =
    context.rows.teacher === undefined ? probed : probed.filter((index) => hasGoldLabel(context.rows, index));
  const fittedGate = fitGate(
    goldProbed
      .filter((index) => (answers[index] ?? -1) >= 0)
      .map((index) => ({
        probabilities: probabilities.subarray(index * labelCount, (index + 1) * labelCount),
        answerId: answers[index] ?? 0,
        goldId: gold[index] ?? 0,
        reliability: reliabilityOfFold(reliabilities, folds[index] ?? 0),
      })),
    labelCount,
  );
  const scratch = new Float64Array(labelCount);
  const combined = gateOutcomes(context, fittedGate, probabilities, ssmRight, scratch);
  const lmOnly = gateOutcomes(context, lmAnswerGate, probabilities, ssmRight, scratch);
  const gateGain = pairedGain(goldProbed, combined, lmOnly);
  const gate =
    goldProbed.length > 0 && gateGain.mean - safetyZ * gateGain.standardError > 0 ? fittedGate : lmAnswerGate;
  return { gate, gatedRight: gate === fittedGate ? combined : lmOnly };
}

/**
 * 1 where the gate's answer is right, on the probed rows (by index; 0 elsewhere); where the LM's
 * answer is unusable, the SSM's answer stands.
 */
export function gateOutcomes(
  context: FitContext,
  parameters: GateParameters,
  probabilities: Float32Array,
  ssmRight: Uint8Array,
  scratch: Float64Array,
): Uint8Array {
  const { labelCount, folds, reliabilities } = context;
  const { probed, answers, gold } = context.rows;
  const outcome = new Uint8Array(gold.length);
  for (const index of probed) {
    const answer = answers[index] ?? -1;
    if (answer < 0) {
      outcome[index] = ssmRight[index] ?? 0;
      continue;
    }
    const result = combineWithAnswer(
      probabilities.subarray(index * labelCount, (index + 1) * labelCount),
      answer,
      reliabilityOfFold(reliabilities, folds[index] ?? 0),
      parameters,
      scratch,
    );
    outcome[index] = result.labelId === gold[index] ? 1 : 0;
  }
  return outcome;
}

/**
 * The gate's answer (label id) on each probed row, in `probed` order; where the LM's answer is
 * unusable, the SSM's answer (`ssmTopLabel`, by index) stands.
 */
export function gateLabels(
  context: FitContext,
  parameters: GateParameters,
  probabilities: Float32Array,
  ssmTopLabel: Int32Array,
): Int32Array {
  const { labelCount, folds, reliabilities } = context;
  const { probed, answers } = context.rows;
  const scratch = new Float64Array(labelCount);
  return Int32Array.from(probed, (index) => {
    const answer = answers[index] ?? -1;
    if (answer < 0) return ssmTopLabel[index] ?? -1;
    return combineWithAnswer(
      probabilities.subarray(index * labelCount, (index + 1) * labelCount),
      answer,
      reliabilityOfFold(reliabilities, folds[index] ?? 0),
      parameters,
      scratch,
    ).labelId;
  });
}
