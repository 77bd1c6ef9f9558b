import { type AdaptationData, notAsked } from "../adaptation-data.js";
import type { IndexedRows } from "./fit-context.js";

/**
 * Splits the rows into labelled rows (with their gold label, LM answer, text and length, and
 * which of them were probed) and distilled rows (no gold, a usable LM answer), the latter kept
 * only with `distillation`.
 */
export function indexRows(data: AdaptationData, distillation: boolean): IndexedRows {
  const labelledRows: number[] = [];
  const distilledRows: number[] = [];
  for (let row = 0; row < data.texts.length; row += 1) {
    if ((data.goldIds[row] ?? -1) >= 0) labelledRows.push(row);
    else if ((data.answerIds[row] ?? notAsked) >= 0) distilledRows.push(row);
  }
  const gold = Int32Array.from(labelledRows, (row) => data.goldIds[row] ?? 0);
  const answers = Int32Array.from(labelledRows, (row) => data.answerIds[row] ?? notAsked);
  const texts = labelledRows.map((row) => data.texts[row] ?? "");
  const lengths = Int32Array.from(texts, (text) => text.length);
  const probed: number[] = [];
  for (let index = 0; index < labelledRows.length; index += 1)
    if ((answers[index] ?? notAsked) !== notAsked) probed.push(index);
  const teacher =
    data.teacher === undefined ? undefined : Uint8Array.from(labelledRows, (row) => data.teacher?.[row] ?? 0);
  return {
    ...(teacher === undefined ? {} : { teacher }),
    labelledRows,
    gold,
    answers,
    texts,
    lengths,
    probed,
    distilledTexts: distillation ? distilledRows.map((row) => data.texts[row] ?? "") : [],
    distilledLabels: distillation ? distilledRows.map((row) => data.answerIds[row] ?? 0) : [],
  };
}
