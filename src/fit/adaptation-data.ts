/** What the pipeline knows about every row: its text, gold label and LM answer (as label ids). */
export interface AdaptationData {
  labels: readonly string[];
  texts: readonly string[];
  /** -1 where the row has no gold label. */
  goldIds: Int32Array;
  /** -2 where the LM was not asked; -1 where its answer was unusable (off the label set, failed). */
  answerIds: Int32Array;
}

/** `AdaptationData.answerIds` of a row the LM was not asked about. */
export const notAsked = -2;
/** `AdaptationData.answerIds` of a row whose LM answer was unusable (off the label set, failed). */
export const unusableAnswer = -1;
