import type { Estimates } from "../fitted-adaptation.js";
import type { CurvePoint } from "../operating-point.js";
import type { ProbedOutcomes } from "./choose-router.js";
import type { IndexedRows } from "./fit-context.js";

/** The SSM's, the gate's and the LM's outcomes (0/1) on the probed rows, in `probed` order. */
export function probedOutcomes(
  rows: IndexedRows,
  ssmRight: Uint8Array,
  gatedRight: Uint8Array,
): ProbedOutcomes {
  const { probed, answers, gold } = rows;
  return {
    ssmRight: Uint8Array.from(probed, (index) => ssmRight[index] ?? 0),
    gatedRight: Uint8Array.from(probed, (index) => gatedRight[index] ?? 0),
    lmRight: Uint8Array.from(probed, (index) => (answers[index] === gold[index] ? 1 : 0)),
  };
}

/**
 * The out-of-fold accuracies on the probed rows: the LM alone, the SSM alone (also over every
 * labelled row: `ssmAccuracy`), the gate on every row, the adapter at the chosen point, and the
 * oracle that picks whichever of the SSM and the LM is right.
 */
export function estimatesOf(
  probed: readonly number[],
  outcomes: ProbedOutcomes,
  ssmRight: Uint8Array,
  ssmAccuracy: number,
  chosen: CurvePoint,
): Estimates {
  let lmRight = 0;
  let oracleRight = 0;
  probed.forEach((index, position) => {
    const lm = outcomes.lmRight[position] ?? 0;
    lmRight += lm;
    oracleRight += Math.max(lm, ssmRight[index] ?? 0);
  });
  const probedCount = Math.max(probed.length, 1);
  return {
    rows: probed.length,
    lmAlone: lmRight / probedCount,
    ssmAlone: outcomes.ssmRight.reduce((sum, value) => sum + value, 0) / probedCount,
    ssmAloneAllLabelled: ssmAccuracy,
    gatedAll: outcomes.gatedRight.reduce((sum, value) => sum + value, 0) / probedCount,
    adapted: chosen.accuracy,
    adaptedLmShare: chosen.lmShare,
    oracle: oracleRight / probedCount,
  };
}
