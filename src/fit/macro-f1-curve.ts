import type { CurvePoint } from "./operating-point.js";

/**
 * The labels behind a curve, one entry per probed row in the order of the router's scores: the
 * gold label, the SSM's, the routed answer's (the gate) and the LM's (−1: no usable answer, which
 * predicts no label and so counts against the gold label's recall only).
 */
export interface ProbedLabels {
  gold: Int32Array;
  ssm: Int32Array;
  routed: Int32Array;
  lm: Int32Array;
}

/** Per-label counts of one system: true positives and predictions (gold counts are shared). */
interface LabelCounts {
  truePositives: Float64Array;
  predicted: Float64Array;
}

/** F1 and the F1's denominator per label (2·TP + FP + FN, divided by the rows), and the macro mean. */
interface LabelScores {
  f1: Float64Array;
  denominator: Float64Array;
  /** Labels seen in gold or predictions (scikit-learn's macro average leaves the others out). */
  seen: number;
  macroF1: number;
}

function countsOf(gold: Int32Array, predicted: Int32Array, labelCount: number): LabelCounts {
  const counts = { truePositives: new Float64Array(labelCount), predicted: new Float64Array(labelCount) };
  for (let row = 0; row < gold.length; row += 1) addRow(counts, gold[row] ?? -1, predicted[row] ?? -1, 1);
  return counts;
}

function addRow(counts: LabelCounts, gold: number, predicted: number, sign: number): void {
  if (predicted < 0) return;
  counts.predicted[predicted] = (counts.predicted[predicted] ?? 0) + sign;
  if (predicted === gold) counts.truePositives[predicted] = (counts.truePositives[predicted] ?? 0) + sign;
}

function scoresOf(counts: LabelCounts, goldCounts: Float64Array, rows: number): LabelScores {
  const labelCount = goldCounts.length;
  const f1 = new Float64Array(labelCount);
  const denominator = new Float64Array(labelCount);
  let seen = 0;
  let sum = 0;
  for (let label = 0; label < labelCount; label += 1) {
    const total = (counts.predicted[label] ?? 0) + (goldCounts[label] ?? 0);
    if (total <= 0) continue;
    seen += 1;
    f1[label] = (2 * (counts.truePositives[label] ?? 0)) / total;
    denominator[label] = total / rows;
    sum += f1[label] ?? 0;
  }
  return { f1, denominator, seen, macroF1: seen > 0 ? sum / seen : 0 };
}

/**
 * One row's influence on a system's macro-F1 (its linearisation, the delta method): the F1 of a
 * label is 2·TP / (predicted + gold), so a row moves only its gold label's and its predicted label's.
 */
function influence(scores: LabelScores, gold: number, predicted: number): number {
  if (scores.seen === 0) return 0;
  const term = (label: number, truePositive: number): number => {
    const denominator = scores.denominator[label] ?? 0;
    return denominator > 0 ? (2 * truePositive - 2 * (scores.f1[label] ?? 0)) / (2 * denominator) : 0;
  };
  if (predicted === gold) return (2 * term(gold, 1)) / scores.seen;
  const goldTerm = gold >= 0 ? term(gold, 0) : 0;
  const predictedTerm = predicted >= 0 ? term(predicted, 0) : 0;
  return (goldTerm + predictedTerm) / scores.seen;
}

/** The standard error of the paired difference of two systems' macro-F1 over the same rows. */
function pairedStandardError(
  gold: Int32Array,
  left: { scores: LabelScores; labels: Int32Array },
  right: { scores: LabelScores; labels: Int32Array },
): { standardError: number; differingSquare: number } {
  const rows = gold.length;
  let sum = 0;
  let square = 0;
  let differingSquare = 0;
  let differing = 0;
  for (let row = 0; row < rows; row += 1) {
    const goldLabel = gold[row] ?? -1;
    const value =
      influence(left.scores, goldLabel, left.labels[row] ?? -1) -
      influence(right.scores, goldLabel, right.labels[row] ?? -1);
    sum += value;
    square += value * value;
    if ((left.labels[row] ?? -1) !== (right.labels[row] ?? -1)) {
      differingSquare += value * value;
      differing += 1;
    }
  }
  const mean = sum / rows;
  const variance = Math.max(square / rows - mean * mean, 0);
  return {
    standardError: Math.sqrt(variance / rows),
    differingSquare: differing > 0 ? differingSquare / differing : 1,
  };
}

/** The rows in routing order: highest router score first (ties in row order, as `estimateCurve`). */
export function routingOrder(scores: Float64Array): number[] {
  return Array.from({ length: scores.length }, (_, index) => index).sort(
    (left, right) => (scores[right] ?? 0) - (scores[left] ?? 0),
  );
}

/** The labels answered when the first `routed` rows of `order` go to the LM (the gate) and the rest to the SSM. */
export function labelsAt(labels: ProbedLabels, order: readonly number[], routed: number): Int32Array {
  const answered = Int32Array.from(labels.ssm);
  for (let position = 0; position < routed; position += 1) {
    const row = order[position] ?? 0;
    answered[row] = labels.routed[row] ?? -1;
  }
  return answered;
}

/** The macro-F1 of `predicted` against `gold` (scikit-learn's: over the labels seen in either). */
export function macroF1Of(gold: Int32Array, predicted: Int32Array, labelCount: number): number {
  return scoresOf(countsOf(gold, predicted, labelCount), goldCountsOf(gold, labelCount), gold.length).macroF1;
}

function goldCountsOf(gold: Int32Array, labelCount: number): Float64Array {
  const counts = new Float64Array(labelCount);
  for (const label of gold) if (label >= 0) counts[label] = (counts[label] ?? 0) + 1;
  return counts;
}

/**
 * The macro-F1 of the routed system at every distinct threshold, in the shape of `estimateCurve`'s
 * points and at the same thresholds (so index i of both curves is one operating point), with the
 * accuracy fields holding macro-F1: `accuracy` its value, `gainOverLm` its paired gain over the LM
 * alone, `gainStandardError` that gain's delta-method standard error and `pseudoScale` the mean
 * squared influence of a row answered differently from the LM (the size of one pseudo row).
 */
export function estimateMacroF1Curve(
  scores: Float64Array,
  labels: ProbedLabels,
  labelCount: number,
): CurvePoint[] {
  const rows = scores.length;
  if (rows === 0) return [];
  const { gold } = labels;
  const goldCounts = goldCountsOf(gold, labelCount);
  const lm = { scores: scoresOf(countsOf(gold, labels.lm, labelCount), goldCounts, rows), labels: labels.lm };
  const order = routingOrder(scores);
  const answered = Int32Array.from(labels.ssm);
  const counts = countsOf(gold, answered, labelCount);
  const point = (threshold: number, routed: number): CurvePoint => {
    const system = { scores: scoresOf(counts, goldCounts, rows), labels: answered };
    const paired = pairedStandardError(gold, system, lm);
    return {
      threshold,
      lmShare: routed / rows,
      accuracy: system.scores.macroF1,
      gainOverLm: system.scores.macroF1 - lm.scores.macroF1,
      gainStandardError: paired.standardError,
      pseudoScale: Math.max(1, paired.differingSquare),
      routedGain: 0,
      routedDiffering: 0,
      rows,
    };
  };
  const points = [point(Number.POSITIVE_INFINITY, 0)];
  for (let position = 0; position < rows; position += 1) {
    const row = order[position] ?? 0;
    const goldLabel = gold[row] ?? -1;
    addRow(counts, goldLabel, answered[row] ?? -1, -1);
    answered[row] = labels.routed[row] ?? -1;
    addRow(counts, goldLabel, answered[row] ?? -1, 1);
    const next = order[position + 1];
    if (next !== undefined && scores[next] === scores[row]) continue;
    points.push(point(scores[row] ?? 0, position + 1));
  }
  return points;
}

/**
 * The paired standard error of the macro-F1 difference between two operating points of the same
 * curve (by their LM shares), for the `default` criterion's "near the best" test.
 */
export function macroF1ShortfallError(
  labels: ProbedLabels,
  order: readonly number[],
  labelCount: number,
): (point: CurvePoint, best: CurvePoint) => number {
  const { gold } = labels;
  const goldCounts = goldCountsOf(gold, labelCount);
  const systemAt = (point: CurvePoint) => {
    const answered = labelsAt(labels, order, Math.round(point.lmShare * point.rows));
    return {
      scores: scoresOf(countsOf(gold, answered, labelCount), goldCounts, gold.length),
      labels: answered,
    };
  };
  return (point, best) =>
    gold.length === 0 ? 0 : pairedStandardError(gold, systemAt(point), systemAt(best)).standardError;
}
