/**
 * The accuracy/LM-share trade-off of a router. Every row has a router score (higher = more reason
 * to call the LM), the SSM's label, the LM's label (undefined/empty = no usable answer) and the
 * gold label. A threshold `t` routes a row to the LM when `score >= t`, to the SSM otherwise.
 */
export interface OperatingCurveInput {
  scores: Float64Array | readonly number[];
  ssmLabels: readonly (string | undefined)[];
  lmLabels: readonly (string | undefined)[];
  gold: readonly string[];
}

export interface OperatingPoint {
  /** The LM is called for rows with `score >= threshold`. */
  threshold: number;
  /** Rows routed to the LM. */
  lmCalls: number;
  /** lmCalls / rows, in [0, 1]. */
  lmShare: number;
  accuracy: number;
}

const tolerance = 1e-12;

function isCorrect(prediction: string | undefined, gold: string): boolean {
  return prediction !== undefined && prediction !== "" && prediction === gold;
}

function checkInput(input: OperatingCurveInput): number {
  const rows = input.gold.length;
  for (const [name, column] of [
    ["scores", input.scores],
    ["ssmLabels", input.ssmLabels],
    ["lmLabels", input.lmLabels],
  ] as const) {
    if (column.length !== rows)
      throw new RangeError(`${name} has ${column.length} rows but gold has ${rows}`);
  }
  for (let row = 0; row < rows; row++) {
    if (Number.isNaN(input.scores[row]!)) throw new RangeError(`router score of row ${row} is NaN`);
  }
  return rows;
}

/** A threshold strictly above every score (so nothing goes to the LM), finite for JSON. */
function thresholdAbove(maxScore: number): number {
  if (!Number.isFinite(maxScore)) return Number.MAX_VALUE;
  return maxScore + Math.max(1, Math.abs(maxScore));
}

/**
 * Accuracy at every distinct threshold, from no LM calls (share 0: the SSM alone) to all rows
 * sent to the LM (share 1: the LM alone). Sorts once and sweeps, O(n log n); tied scores move
 * together, so there is one point per distinct score plus the share-0 point. Ascending lmShare.
 * No rows gives no points.
 */
export function computeOperatingCurve(input: OperatingCurveInput): OperatingPoint[] {
  const rows = checkInput(input);
  if (rows === 0) return [];
  const scores = Float64Array.from(input.scores);
  const order = new Uint32Array(rows);
  const gain = new Int8Array(rows);
  let correct = 0;
  for (let row = 0; row < rows; row++) {
    order[row] = row;
    const gold = input.gold[row]!;
    const ssmRight = isCorrect(input.ssmLabels[row], gold) ? 1 : 0;
    const lmRight = isCorrect(input.lmLabels[row], gold) ? 1 : 0;
    gain[row] = lmRight - ssmRight;
    correct += ssmRight;
  }
  order.sort((left, right) => scores[right]! - scores[left]! || left - right);
  const points: OperatingPoint[] = [
    { threshold: thresholdAbove(scores[order[0]!]!), lmCalls: 0, lmShare: 0, accuracy: correct / rows },
  ];
  let position = 0;
  while (position < rows) {
    const threshold = scores[order[position]!]!;
    while (position < rows && scores[order[position]!]! === threshold) {
      correct += gain[order[position]!]!;
      position++;
    }
    points.push({ threshold, lmCalls: position, lmShare: position / rows, accuracy: correct / rows });
  }
  return points;
}

/**
 * At most `maxPoints` points of `points` for plotting, spread evenly over lmShare; always keeps
 * the first (share 0) and last (share 1) points and the most accurate one.
 */
export function thinOperatingCurve(points: readonly OperatingPoint[], maxPoints = 200): OperatingPoint[] {
  if (points.length <= maxPoints) return [...points];
  if (maxPoints < 3) throw new RangeError(`maxPoints must be at least 3, got ${maxPoints}`);
  let best = 0;
  points.forEach((point, index) => {
    if (point.accuracy > points[best]!.accuracy) best = index;
  });
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const span = last.lmShare - first.lmShare;
  const buckets = maxPoints - 3;
  const kept: OperatingPoint[] = [first];
  let nextShare = first.lmShare + span / (buckets + 1);
  for (let index = 1; index < points.length - 1; index++) {
    const point = points[index]!;
    if (index === best) {
      kept.push(point);
    } else if (point.lmShare >= nextShare - tolerance && kept.length < maxPoints - 2) {
      kept.push(point);
    } else {
      continue;
    }
    while (nextShare <= point.lmShare + tolerance) nextShare += span / (buckets + 1);
  }
  kept.push(last);
  return kept;
}

/** The most accurate point with lmShare <= maxLmShare (ties: the cheaper one), or undefined. */
export function bestPointWithinShare(
  points: readonly OperatingPoint[],
  maxLmShare: number,
): OperatingPoint | undefined {
  let best: OperatingPoint | undefined;
  for (const point of points) {
    if (point.lmShare > maxLmShare + tolerance) continue;
    if (best === undefined || point.accuracy > best.accuracy + tolerance) best = point;
    else if (Math.abs(point.accuracy - best.accuracy) <= tolerance && point.lmShare < best.lmShare)
      best = point;
  }
  return best;
}

/** The point with the lowest lmShare whose accuracy >= targetAccuracy (ties: the more accurate), or undefined. */
export function cheapestPointReaching(
  points: readonly OperatingPoint[],
  targetAccuracy: number,
): OperatingPoint | undefined {
  let cheapest: OperatingPoint | undefined;
  for (const point of points) {
    if (point.accuracy < targetAccuracy - tolerance) continue;
    if (cheapest === undefined || point.lmShare < cheapest.lmShare) cheapest = point;
    else if (point.lmShare === cheapest.lmShare && point.accuracy > cheapest.accuracy) cheapest = point;
  }
  return cheapest;
}

/** Each row's routed label: the LM's where `score >= threshold`, else the SSM's. */
export function routePredictions(input: OperatingCurveInput, threshold: number): (string | undefined)[] {
  const rows = checkInput(input);
  const routed = new Array<string | undefined>(rows);
  for (let row = 0; row < rows; row++) {
    routed[row] = input.scores[row]! >= threshold ? input.lmLabels[row] : input.ssmLabels[row];
  }
  return routed;
}

/** The operating point a fixed threshold (e.g. chosen on dev) reaches on these rows. */
export function evaluateThreshold(input: OperatingCurveInput, threshold: number): OperatingPoint {
  const rows = checkInput(input);
  let lmCalls = 0;
  let correct = 0;
  for (let row = 0; row < rows; row++) {
    const toLm = input.scores[row]! >= threshold;
    if (toLm) lmCalls++;
    if (isCorrect(toLm ? input.lmLabels[row] : input.ssmLabels[row], input.gold[row]!)) correct++;
  }
  return {
    threshold,
    lmCalls,
    lmShare: rows === 0 ? 0 : lmCalls / rows,
    accuracy: rows === 0 ? 0 : correct / rows,
  };
}

/** Share of rows where the SSM or the LM is right: the ceiling of any router between the two. */
export function computeOracleAccuracy(
  gold: readonly string[],
  ssmLabels: readonly (string | undefined)[],
  lmLabels: readonly (string | undefined)[],
): number {
  if (ssmLabels.length !== gold.length || lmLabels.length !== gold.length) {
    throw new RangeError(`gold has ${gold.length} rows, SSM ${ssmLabels.length}, LM ${lmLabels.length}`);
  }
  if (gold.length === 0) return 0;
  let correct = 0;
  for (let row = 0; row < gold.length; row++) {
    const label = gold[row]!;
    if (isCorrect(ssmLabels[row], label) || isCorrect(lmLabels[row], label)) correct++;
  }
  return correct / gold.length;
}

/** The oracle's labels: gold where either side is right, else the SSM's answer (for per-label metrics). */
export function oraclePredictions(
  gold: readonly string[],
  ssmLabels: readonly (string | undefined)[],
  lmLabels: readonly (string | undefined)[],
): (string | undefined)[] {
  return gold.map((label, row) =>
    isCorrect(ssmLabels[row], label) || isCorrect(lmLabels[row], label) ? label : ssmLabels[row],
  );
}
