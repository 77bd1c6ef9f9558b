/**
 * Contract v1 for a Specific Small Model: trained locally on the task's data, following the mljs
 * lifecycle `train → predictProba → toJSON → load(json)`.
 */
export interface SmallModel {
  /** "ngram-linear", "knn", ... */
  readonly kind: string;
  /** The labels, in the order of the probabilities `predictProba` returns. */
  readonly labels: readonly string[];
  /** One probability per label, in `labels` order, summing to 1. */
  predictProba(text: string): Float32Array;
  /** A JSON-serialisable snapshot; the kind's `load()` validates it with zod. */
  toJSON(): SmallModelSnapshot;
}

/** What `SmallModel.toJSON()` returns: a JSON object tagged with the model's kind and format version. */
export interface SmallModelSnapshot {
  kind: string;
  version: number;
  [key: string]: unknown;
}

/** Training data for a small model: texts, label ids (indices into `labels`) and optional weights. */
export interface TrainingSet {
  texts: readonly string[];
  labelIds: Int32Array;
  labels: readonly string[];
  /** Per-example weights (default 1). */
  exampleWeights?: Float32Array;
}
