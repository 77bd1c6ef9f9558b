import {
  defaultMaxDisagreement,
  type OperatingCriterion,
  type OperatingReference,
} from "../adapter/operating-criterion.js";
import type { KeptTrainingRow } from "../adapter/training-rows-file.js";
import type { DataRow } from "../spec/dataset.js";

/**
 * What `adapt` measures its estimates against: `gold` when every calibration row has a gold label
 * (the gold-label path, unchanged), else the LM's answers (`lm`: no row has a gold label; `mixed`:
 * some have).
 */
export function referenceOf(
  trainRows: readonly DataRow[],
  calibRows: readonly DataRow[],
): OperatingReference {
  if (calibRows.every((row) => row.label !== undefined)) return "gold";
  const someGold =
    trainRows.some((row) => row.label !== undefined) || calibRows.some((row) => row.label !== undefined);
  return someGold ? "mixed" : "lm";
}

/**
 * The criterion the operating point is chosen by: the one given; without gold labels (`reference`
 * not `gold`), the `default` rule (which can only tie an LM measured against itself) becomes
 * `max-disagreement` at `maxDisagreement` (default 2%).
 */
export function criterionFor(
  reference: OperatingReference,
  criterion: OperatingCriterion | undefined,
  maxDisagreement: number | undefined,
): OperatingCriterion {
  if (reference !== "gold" && (criterion === undefined || criterion.kind === "default"))
    return { kind: "max-disagreement", maxDisagreement: maxDisagreement ?? defaultMaxDisagreement };
  return criterion ?? { kind: "default" };
}

/**
 * Without gold labels, the LM is the teacher: every row without a gold label but with a usable LM
 * answer takes that answer as its label, marked in `teacher` (so that the fit measures agreement on
 * it and fits the LM's reliability and the answer gate on gold rows only). With `reference` `gold`
 * the ids are returned as they are, without a mask.
 */
export function teacherLabels(
  reference: OperatingReference,
  goldIds: Int32Array,
  answerIds: Int32Array,
): { goldIds: Int32Array; teacher?: Uint8Array } {
  if (reference === "gold") return { goldIds };
  const filled = Int32Array.from(goldIds);
  const teacher = new Uint8Array(goldIds.length);
  for (let row = 0; row < goldIds.length; row += 1) {
    const answer = answerIds[row] ?? -1;
    if ((goldIds[row] ?? -1) < 0 && answer >= 0) {
      filled[row] = answer;
      teacher[row] = 1;
    }
  }
  return { goldIds: filled, teacher };
}

/** The rows the adapter keeps for `refresh`: text, gold label and the LM's usable answer, by row. */
export function keptTrainingRows(
  rows: readonly DataRow[],
  labels: readonly string[],
  goldIds: Int32Array,
  answerIds: Int32Array,
): KeptTrainingRow[] {
  return rows.map((row, index) => {
    const gold = labels[goldIds[index] ?? -1];
    const answer = labels[answerIds[index] ?? -1];
    return {
      text: row.text,
      ...(gold === undefined ? {} : { label: gold }),
      ...(answer === undefined ? {} : { answer }),
    };
  });
}
