/** Precision, recall and F1 of one label, with its support (gold count) and prediction count. */
export interface LabelMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Rows whose gold label is this label. */
  support: number;
  /** Rows predicted as this label. */
  predicted: number;
  truePositives: number;
}

/** Accuracy, macro-F1 and per-label figures of predicted labels against gold labels. */
export interface ClassificationMetrics {
  count: number;
  correct: number;
  /** Rows with no usable answer: `undefined`, empty, or a label outside the task's label set. */
  unanswered: number;
  accuracy: number;
  /**
   * Unweighted mean F1 over the labels that occur in the gold labels or in the (usable)
   * predictions — scikit-learn's default for `f1_score(average="macro")`, which averages over
   * the union of labels seen. Labels of the task that never occur are left out, so a test
   * split missing a class does not drag the mean down with an undefined 0.
   */
  macroF1: number;
  /** Labels that occur in gold or predictions, in task label order (gold labels unknown to the task last). */
  perLabel: LabelMetrics[];
}

/** Confusion counts: `matrix[goldIndex][predictedIndex]`; `unanswered[goldIndex]` counts rows with no usable answer. */
export interface ConfusionCounts {
  labels: string[];
  matrix: number[][];
  unanswered: number[];
}

/**
 * A predicted label that can be scored: non-empty and one of `labelIndex`'s keys.
 * Anything else (undefined, "", an answer off the label set) is "no answer" and counts as wrong.
 */
function usableIndex(
  prediction: string | undefined,
  labelIndex: Map<string, number>,
  taskLabelCount: number,
): number {
  if (prediction === undefined || prediction === "") return -1;
  const position = labelIndex.get(prediction);
  return position === undefined || position >= taskLabelCount ? -1 : position;
}

interface LabelIndex {
  names: string[];
  index: Map<string, number>;
  /** The task's own (deduplicated) labels come first; only they are usable answers. */
  taskLabelCount: number;
}

function buildLabelIndex(gold: readonly string[], labels: readonly string[]): LabelIndex {
  const names = [...new Set(labels)];
  const taskLabelCount = names.length;
  const index = new Map<string, number>();
  names.forEach((name, position) => {
    index.set(name, position);
  });
  // A gold label the task does not list still has to be scored (its rows can never be right).
  for (const label of gold) {
    if (!index.has(label)) {
      index.set(label, names.length);
      names.push(label);
    }
  }
  return { names, index, taskLabelCount };
}

function checkLengths(gold: readonly unknown[], predicted: readonly unknown[]): void {
  if (gold.length !== predicted.length) {
    throw new RangeError(`gold has ${gold.length} rows but predictions have ${predicted.length}`);
  }
}

function safeDivide(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

/** Share of rows whose prediction equals the gold label; unanswered rows are wrong. Empty input gives 0. Does not check the label set. */
export function computeAccuracy(gold: readonly string[], predicted: readonly (string | undefined)[]): number {
  checkLengths(gold, predicted);
  let correct = 0;
  for (let row = 0; row < gold.length; row++) {
    const prediction = predicted[row];
    if (prediction !== undefined && prediction !== "" && prediction === gold[row]) correct++;
  }
  return safeDivide(correct, gold.length);
}

/**
 * Accuracy, macro-F1 and per-label precision/recall/F1 of `predicted` against `gold`.
 * `labels` is the task's label list; predictions outside it count as unanswered (wrong, and
 * not a class of their own). Precision or recall with a zero denominator is 0, as is F1 then.
 */
export function computeClassificationMetrics(
  gold: readonly string[],
  predicted: readonly (string | undefined)[],
  labels: readonly string[],
): ClassificationMetrics {
  checkLengths(gold, predicted);
  const { names, index, taskLabelCount } = buildLabelIndex(gold, labels);
  const support = new Int32Array(names.length);
  const predictedCount = new Int32Array(names.length);
  const truePositives = new Int32Array(names.length);
  let correct = 0;
  let unanswered = 0;
  for (let row = 0; row < gold.length; row++) {
    const goldIndex = index.get(gold[row]!)!;
    support[goldIndex]!++;
    const prediction = predicted[row];
    const predictedIndex = usableIndex(prediction, index, taskLabelCount);
    if (predictedIndex < 0) {
      unanswered++;
      continue;
    }
    predictedCount[predictedIndex]!++;
    if (predictedIndex === goldIndex) {
      truePositives[goldIndex]!++;
      correct++;
    }
  }
  const perLabel: LabelMetrics[] = [];
  let f1Sum = 0;
  for (let position = 0; position < names.length; position++) {
    if (support[position] === 0 && predictedCount[position] === 0) continue;
    const precision = safeDivide(truePositives[position]!, predictedCount[position]!);
    const recall = safeDivide(truePositives[position]!, support[position]!);
    const f1 = safeDivide(2 * precision * recall, precision + recall);
    f1Sum += f1;
    perLabel.push({
      label: names[position]!,
      precision,
      recall,
      f1,
      support: support[position]!,
      predicted: predictedCount[position]!,
      truePositives: truePositives[position]!,
    });
  }
  return {
    count: gold.length,
    correct,
    unanswered,
    accuracy: safeDivide(correct, gold.length),
    macroF1: safeDivide(f1Sum, perLabel.length),
    perLabel,
  };
}

/** Per-label F1 as a plain record (label → F1) for reports. */
export function perLabelF1(metrics: ClassificationMetrics): Record<string, number> {
  const record: Record<string, number> = {};
  for (const entry of metrics.perLabel) record[entry.label] = entry.f1;
  return record;
}

/** Confusion counts over the task's labels (plus gold labels the task does not list). */
export function computeConfusionCounts(
  gold: readonly string[],
  predicted: readonly (string | undefined)[],
  labels: readonly string[],
): ConfusionCounts {
  checkLengths(gold, predicted);
  const { names, index, taskLabelCount } = buildLabelIndex(gold, labels);
  const matrix = names.map(() => new Array<number>(names.length).fill(0));
  const unanswered = new Array<number>(names.length).fill(0);
  for (let row = 0; row < gold.length; row++) {
    const goldIndex = index.get(gold[row]!)!;
    const predictedIndex = usableIndex(predicted[row], index, taskLabelCount);
    if (predictedIndex < 0) {
      unanswered[goldIndex]!++;
    } else {
      matrix[goldIndex]![predictedIndex]!++;
    }
  }
  return { labels: names, matrix, unanswered };
}
