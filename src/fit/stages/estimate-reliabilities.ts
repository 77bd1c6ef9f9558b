import { estimateLmReliability } from "../../adapter/lm-reliability.js";
import { notAsked } from "../adaptation-data.js";
import type { IndexedRows, Reliabilities } from "./fit-context.js";

/**
 * The LM's reliability on the probed labelled rows: over all of them (used at prediction time)
 * and, for each fold, over the other folds' rows (used for that fold's rows, out of fold).
 */
export function estimateReliabilities(
  rows: IndexedRows,
  folds: Int32Array,
  labelCount: number,
  foldCount: number,
): Reliabilities {
  const { gold, answers } = rows;
  const global = estimateLmReliability(gold, answers, labelCount, {
    include: (index) => (answers[index] ?? notAsked) !== notAsked,
  });
  const perFold = Array.from({ length: foldCount }, (_, fold) =>
    estimateLmReliability(gold, answers, labelCount, {
      include: (index) => folds[index] !== fold && (answers[index] ?? notAsked) !== notAsked,
    }),
  );
  return { global, perFold };
}
