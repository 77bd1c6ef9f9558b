import { estimateLmReliability } from "../../adapter/lm-reliability.js";
import { notAsked } from "../adaptation-data.js";
import { hasGoldLabel, type IndexedRows, type Reliabilities } from "./fit-context.js";

/**
 * The LM's reliability on the probed labelled rows: over all of them (used at prediction time)
 * and, for each fold, over the other folds' rows (used for that fold's rows, out of fold). Only
 * gold rows tell how reliable the LM is: where some rows' labels are the LM's own answers, those
 * are left out when any gold row was probed.
 */
export function estimateReliabilities(
  rows: IndexedRows,
  folds: Int32Array,
  labelCount: number,
  foldCount: number,
): Reliabilities {
  const { gold, answers } = rows;
  const goldOnly = rows.teacher !== undefined && rows.probed.some((index) => hasGoldLabel(rows, index));
  const counted = (index: number) =>
    (answers[index] ?? notAsked) !== notAsked && (!goldOnly || hasGoldLabel(rows, index));
  const global = estimateLmReliability(gold, answers, labelCount, { include: counted });
  const perFold = Array.from({ length: foldCount }, (_, fold) =>
    estimateLmReliability(gold, answers, labelCount, {
      include: (index) => folds[index] !== fold && counted(index),
    }),
  );
  return { global, perFold };
}
