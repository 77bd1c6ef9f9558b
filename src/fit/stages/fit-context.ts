import type { LmReliability } from "../../adapter/lm-reliability.js";

/**
 * The labelled rows the fit works on. Every array is indexed by position in `labelledRows`
 * (a row's "index"), not by row number in `AdaptationData`.
 */
export interface IndexedRows {
  /** Row numbers, in `AdaptationData`, of the rows with a gold label. */
  labelledRows: number[];
  gold: Int32Array;
  /** The LM's answer, or `notAsked` / `unusableAnswer`. */
  answers: Int32Array;
  texts: string[];
  lengths: Int32Array;
  /** Indices of the labelled rows the LM was asked about. */
  probed: number[];
  /** 1 where a labelled row's label is the LM's answer, not gold (see `AdaptationData.teacher`); absent: all gold. */
  teacher?: Uint8Array;
  /** Texts of the rows without gold but with a usable LM answer (empty without distillation). */
  distilledTexts: string[];
  /** The LM's answers on those rows: the labels they are learnt with. */
  distilledLabels: number[];
}

/** The LM's reliability over every probed labelled row, and per fold with that fold left out. */
export interface Reliabilities {
  global: LmReliability;
  perFold: LmReliability[];
}

/** What every stage of the fit reads: the rows, their folds and the LM's reliability. */
export interface FitContext {
  labels: readonly string[];
  labelCount: number;
  foldCount: number;
  rows: IndexedRows;
  /** The fold of each labelled row (by index). */
  folds: Int32Array;
  reliabilities: Reliabilities;
}

/** Whether the labelled row at `index` has a gold label (not the LM's answer standing in for one). */
export function hasGoldLabel(rows: IndexedRows, index: number): boolean {
  return rows.teacher === undefined || rows.teacher[index] !== 1;
}

/** The LM's reliability estimated without `fold`'s rows (the global one when there is none). */
export function reliabilityOfFold(reliabilities: Reliabilities, fold: number): LmReliability {
  return reliabilities.perFold[fold] ?? reliabilities.global;
}
