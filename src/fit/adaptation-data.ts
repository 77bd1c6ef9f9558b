/** What the pipeline knows about every row: its text, gold label and LM answer (as label ids). */
export interface AdaptationData {
  labels: readonly string[];
  texts: readonly string[];
  /** -1 where the row has no gold label. */
  goldIds: Int32Array;
  /** -2 where the LM was not asked; -1 where its answer was unusable (off the label set, failed). */
  answerIds: Int32Array;
  /**
   * 1 where `goldIds` holds the LM's own answer, not a gold label (adaptation without gold labels:
   * the LM is the teacher). Absent: every label is gold. The LM's reliability and the answer gate
   * are fitted on the gold rows only (none: the LM's answer is kept as is).
   */
  teacher?: Uint8Array;
}

/** `AdaptationData.answerIds` of a row the LM was not asked about. */
export const notAsked = -2;
/** `AdaptationData.answerIds` of a row whose LM answer was unusable (off the label set, failed). */
export const unusableAnswer = -1;
