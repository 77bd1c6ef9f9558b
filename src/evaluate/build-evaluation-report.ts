import type { OperatingMetric } from "../adapter/operating-criterion.js";
import { computeAccuracy, computeClassificationMetrics, perLabelF1 } from "./classification-metrics.js";
import { type CostEstimate, estimateCost, type TokenPrices } from "./cost-estimate.js";
import { withMacroF1 } from "./curve-macro-f1.js";
import type { AblationResult, EvaluationReport, SystemId, SystemResult } from "./evaluation-report.js";
import { summarizeLatencies } from "./latency-summary.js";
import {
  computeOperatingCurve,
  computeOracleAccuracy,
  type OperatingCurveInput,
  oraclePredictions,
  thinOperatingCurve,
} from "./operating-curve.js";

type Column = Float64Array | readonly number[];

/** Everything measured on one split; every per-row array is aligned with `gold`. */
export interface EvaluationReportInput {
  dataset: string;
  task: string;
  /** Defaults to "test". */
  split?: string;
  models: { lm: string; ssm: string };
  labels: readonly string[];
  gold: readonly string[];
  ssmLabels: readonly (string | undefined)[];
  lmLabels: readonly (string | undefined)[];
  /**
   * What the adapted system answers on rows it sends to the LM (e.g. a gate combining the SSM's and
   * the LM's answers); defaults to lmLabels. Used for the adapted system and the operating curve;
   * the "lm" system and the oracle keep using lmLabels.
   */
  routedLabels?: readonly (string | undefined)[];
  /** Router scores, higher = more reason to call the LM. */
  routerScores: Column;
  /** The threshold chosen beforehand (on dev), applied here unchanged; omit when there is no router. */
  operatingPoint?: { threshold: number; rule: string; chosenOn: string };
  /** The metric the operating point was chosen by (default accuracy): the curve then also carries it. */
  metric?: OperatingMetric;
  /**
   * Which rows the adapted system sent to the LM, when more than the threshold decided it (an
   * LM-share cap held on the split: see src/adapt/lm-share-budget.ts); defaults to score >= threshold.
   */
  routedToLm?: Uint8Array;
  /**
   * Per-row latencies in ms. The adapted system's defaults to ssm + (routed to the LM ? lm : 0),
   * since the router runs the SSM first.
   */
  latenciesMs?: { lm?: Column; ssm?: Column; adapted?: Column };
  /** Per-row LM token counts (prompt and completion); without them costs are unknown. */
  lmTokens?: { input: Column; output: Column };
  prices?: TokenPrices;
  counts?: Record<string, number>;
  timings?: Record<string, number>;
  ablations?: AblationResult[];
  notes?: string[];
  /** Thinning of the stored curve (default 200 points). */
  maxCurvePoints?: number;
  /** Injected clock for `createdAt`. */
  now?: () => Date;
}

const systemNames: Record<SystemId, string> = {
  lm: "LM alone",
  ssm: "SSM alone",
  adapted: "adapted (router)",
  oracle: "oracle (either right)",
};

function checkColumn(name: string, column: ArrayLike<unknown> | undefined, rows: number): void {
  if (column !== undefined && column.length !== rows) {
    throw new RangeError(`${name} has ${column.length} rows but gold has ${rows}`);
  }
}

function costOf(input: EvaluationReportInput, lmRows: Uint8Array): CostEstimate {
  let calls = 0;
  let inputTokens = 0;
  let outputTokens = 0;
  for (let row = 0; row < lmRows.length; row++) {
    if (lmRows[row] === 0) continue;
    calls++;
    inputTokens += input.lmTokens?.input[row] ?? 0;
    outputTokens += input.lmTokens?.output[row] ?? 0;
  }
  // No LM call costs nothing, whatever the prices; otherwise prices and token counts are both needed.
  if (calls === 0)
    return estimateCost({ calls, inputTokens, outputTokens }, { inputPerMillion: 0, outputPerMillion: 0 });
  const prices = input.lmTokens === undefined ? undefined : input.prices;
  return estimateCost({ calls, inputTokens, outputTokens }, prices);
}

function latencyOf(column: Column | undefined): SystemResult["latency"] {
  if (column === undefined || column.length === 0) return null;
  const summary = summarizeLatencies(column);
  return { meanMs: summary.mean, p95Ms: summary.p95 };
}

/** Throws a RangeError naming the first per-row column whose length is not gold's. */
function checkColumns(input: EvaluationReportInput, rows: number): void {
  checkColumn("ssmLabels", input.ssmLabels, rows);
  checkColumn("lmLabels", input.lmLabels, rows);
  checkColumn("routedLabels", input.routedLabels, rows);
  checkColumn("routerScores", input.routerScores, rows);
  checkColumn("latenciesMs.lm", input.latenciesMs?.lm, rows);
  checkColumn("latenciesMs.ssm", input.latenciesMs?.ssm, rows);
  checkColumn("latenciesMs.adapted", input.latenciesMs?.adapted, rows);
  checkColumn("lmTokens.input", input.lmTokens?.input, rows);
  checkColumn("lmTokens.output", input.lmTokens?.output, rows);
  checkColumn("routedToLm", input.routedToLm, rows);
}

/** What the adapted system did on each row: sent it to the LM or not, and the label it answered. */
interface AdaptedRouting {
  routedToLm: Uint8Array;
  labels: (string | undefined)[];
  lmCalls: number;
}

/**
 * Routes every row as the adapted system did: by `input.routedToLm` when given, otherwise
 * score >= threshold; a row sent to the LM answers `routedLabels`, the others the SSM's label.
 */
function routeAdapted(
  input: EvaluationReportInput,
  routedLabels: readonly (string | undefined)[],
  threshold: number,
): AdaptedRouting {
  const rows = input.gold.length;
  const routedToLm = input.routedToLm ?? new Uint8Array(rows);
  const labels = new Array<string | undefined>(rows);
  let lmCalls = 0;
  for (let row = 0; row < rows; row++) {
    if (input.routedToLm === undefined) routedToLm[row] = input.routerScores[row]! >= threshold ? 1 : 0;
    const toLm = routedToLm[row] === 1;
    labels[row] = toLm ? routedLabels[row] : input.ssmLabels[row];
    if (toLm) lmCalls++;
  }
  return { routedToLm, labels, lmCalls };
}

/** The rows the oracle sends to the LM: those only the LM gets right. */
function oracleLmRowsOf(input: EvaluationReportInput): Uint8Array {
  const oracleLmRows = new Uint8Array(input.gold.length);
  for (let row = 0; row < input.gold.length; row++) {
    const gold = input.gold[row]!;
    oracleLmRows[row] = input.ssmLabels[row] !== gold && input.lmLabels[row] === gold ? 1 : 0;
  }
  return oracleLmRows;
}

/**
 * The adapted system's latencies: as given, or else the SSM's plus the LM's on rows routed to it
 * (derivable when the SSM's are known and the LM's are too or no row can reach the LM).
 */
function adaptedLatencyOf(
  input: EvaluationReportInput,
  routedToLm: Uint8Array,
  threshold: number,
): Column | undefined {
  const adaptedLatency = input.latenciesMs?.adapted;
  const ssmLatency = input.latenciesMs?.ssm;
  const lmLatency = input.latenciesMs?.lm;
  if (
    adaptedLatency === undefined &&
    ssmLatency !== undefined &&
    (lmLatency !== undefined || threshold === Infinity)
  ) {
    const derived = new Float64Array(input.gold.length);
    for (let row = 0; row < input.gold.length; row++) {
      derived[row] = ssmLatency[row]! + (routedToLm[row] === 1 ? (lmLatency?.[row] ?? 0) : 0);
    }
    return derived;
  }
  return adaptedLatency;
}

/** One system's accuracy, F1, LM calls, latency and cost, given its answers and the rows it sent to the LM. */
function measureSystem(
  input: EvaluationReportInput,
  id: SystemId,
  predicted: readonly (string | undefined)[],
  lmRows: Uint8Array,
  latency: Column | undefined,
): SystemResult {
  const rows = input.gold.length;
  const metrics = computeClassificationMetrics(input.gold, predicted, input.labels);
  const cost = costOf(input, lmRows);
  return {
    id,
    name: systemNames[id],
    accuracy: metrics.accuracy,
    macroF1: metrics.macroF1,
    perLabelF1: perLabelF1(metrics),
    unanswered: metrics.unanswered,
    lmCalls: cost.calls,
    lmShare: rows === 0 ? 0 : cost.calls / rows,
    latency: latencyOf(latency),
    estimatedCost: cost,
  };
}

/** The operating point as applied on this split; null when there is no router. */
function chosenPointOf(
  input: EvaluationReportInput,
  adapted: AdaptedRouting,
): EvaluationReport["operatingPoint"] {
  if (input.operatingPoint === undefined) return null;
  const rows = input.gold.length;
  return {
    threshold: input.operatingPoint.threshold,
    lmCalls: adapted.lmCalls,
    lmShare: rows === 0 ? 0 : adapted.lmCalls / rows,
    accuracy: computeAccuracy(input.gold, adapted.labels),
    ...(input.metric === "macro-f1"
      ? { macroF1: computeClassificationMetrics(input.gold, adapted.labels, input.labels).macroF1 }
      : {}),
    rule: input.operatingPoint.rule,
    chosenOn: input.operatingPoint.chosenOn,
  };
}

/**
 * Measures the four systems (LM alone, SSM alone, adapted at the chosen threshold, oracle) on
 * one split and assembles the report. The chosen threshold is applied as is: choose it on dev.
 */
export function buildEvaluationReport(input: EvaluationReportInput): EvaluationReport {
  const rows = input.gold.length;
  checkColumns(input, rows);
  const curveInput: OperatingCurveInput = {
    scores: input.routerScores,
    ssmLabels: input.ssmLabels,
    lmLabels: input.routedLabels ?? input.lmLabels,
    gold: input.gold,
  };
  const threshold = input.operatingPoint?.threshold ?? Number.POSITIVE_INFINITY;
  const adapted = routeAdapted(input, curveInput.lmLabels, threshold);
  const oracleLabels = oraclePredictions(input.gold, input.ssmLabels, input.lmLabels);
  const oracleLmRows = oracleLmRowsOf(input);
  const adaptedLatency = adaptedLatencyOf(input, adapted.routedToLm, threshold);
  const thinned = thinOperatingCurve(computeOperatingCurve(curveInput), input.maxCurvePoints ?? 200);
  const curve = input.metric === "macro-f1" ? withMacroF1(thinned, curveInput, input.labels) : thinned;
  const chosen = chosenPointOf(input, adapted);
  const now = input.now ?? (() => new Date());
  return {
    schemaVersion: 1,
    createdAt: now().toISOString(),
    dataset: input.dataset,
    task: input.task,
    split: input.split ?? "test",
    models: { ...input.models },
    labels: [...input.labels],
    counts: { [input.split ?? "test"]: rows, ...input.counts },
    systems: [
      measureSystem(input, "lm", input.lmLabels, new Uint8Array(rows).fill(1), input.latenciesMs?.lm),
      measureSystem(input, "ssm", input.ssmLabels, new Uint8Array(rows), input.latenciesMs?.ssm),
      measureSystem(input, "adapted", adapted.labels, adapted.routedToLm, adaptedLatency),
      measureSystem(input, "oracle", oracleLabels, oracleLmRows, undefined),
    ],
    oracleAccuracy: computeOracleAccuracy(input.gold, input.ssmLabels, input.lmLabels),
    operatingCurve: curve,
    metric: input.metric ?? "accuracy",
    operatingPoint: chosen,
    ablations: [...(input.ablations ?? [])],
    timings: { ...input.timings },
    notes: [...(input.notes ?? [])],
  };
}
