import { computeAccuracy, computeClassificationMetrics, perLabelF1 } from "./classification-metrics.js";
import { type CostEstimate, estimateCost, type TokenPrices } from "./cost-estimate.js";
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

/**
 * Measures the four systems (LM alone, SSM alone, adapted at the chosen threshold, oracle) on
 * one split and assembles the report. The chosen threshold is applied as is: choose it on dev.
 */
export function buildEvaluationReport(input: EvaluationReportInput): EvaluationReport {
  const rows = input.gold.length;
  checkColumn("ssmLabels", input.ssmLabels, rows);
  checkColumn("lmLabels", input.lmLabels, rows);
  checkColumn("routedLabels", input.routedLabels, rows);
  checkColumn("routerScores", input.routerScores, rows);
  checkColumn("latenciesMs.lm", input.latenciesMs?.lm, rows);
  checkColumn("latenciesMs.ssm", input.latenciesMs?.ssm, rows);
  checkColumn("latenciesMs.adapted", input.latenciesMs?.adapted, rows);
  checkColumn("lmTokens.input", input.lmTokens?.input, rows);
  checkColumn("lmTokens.output", input.lmTokens?.output, rows);

  const curveInput: OperatingCurveInput = {
    scores: input.routerScores,
    ssmLabels: input.ssmLabels,
    lmLabels: input.routedLabels ?? input.lmLabels,
    gold: input.gold,
  };
  const threshold = input.operatingPoint?.threshold ?? Number.POSITIVE_INFINITY;
  checkColumn("routedToLm", input.routedToLm, rows);
  const routedToLm = input.routedToLm ?? new Uint8Array(rows);
  const adaptedLabels = new Array<string | undefined>(rows);
  let adaptedLmCalls = 0;
  for (let row = 0; row < rows; row++) {
    if (input.routedToLm === undefined) routedToLm[row] = input.routerScores[row]! >= threshold ? 1 : 0;
    const toLm = routedToLm[row] === 1;
    adaptedLabels[row] = toLm ? curveInput.lmLabels[row] : input.ssmLabels[row];
    if (toLm) adaptedLmCalls++;
  }
  const oracleLabels = oraclePredictions(input.gold, input.ssmLabels, input.lmLabels);
  const oracleLmRows = new Uint8Array(rows);
  for (let row = 0; row < rows; row++) {
    const gold = input.gold[row]!;
    oracleLmRows[row] = input.ssmLabels[row] !== gold && input.lmLabels[row] === gold ? 1 : 0;
  }

  let adaptedLatency = input.latenciesMs?.adapted;
  const ssmLatency = input.latenciesMs?.ssm;
  const lmLatency = input.latenciesMs?.lm;
  if (
    adaptedLatency === undefined &&
    ssmLatency !== undefined &&
    (lmLatency !== undefined || threshold === Infinity)
  ) {
    const derived = new Float64Array(rows);
    for (let row = 0; row < rows; row++) {
      derived[row] = ssmLatency[row]! + (routedToLm[row] === 1 ? (lmLatency?.[row] ?? 0) : 0);
    }
    adaptedLatency = derived;
  }

  const system = (
    id: SystemId,
    predicted: readonly (string | undefined)[],
    lmRows: Uint8Array,
    latency: Column | undefined,
  ): SystemResult => {
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
  };

  const curve = computeOperatingCurve(curveInput);
  const chosen =
    input.operatingPoint === undefined
      ? null
      : {
          threshold: input.operatingPoint.threshold,
          lmCalls: adaptedLmCalls,
          lmShare: rows === 0 ? 0 : adaptedLmCalls / rows,
          accuracy: computeAccuracy(input.gold, adaptedLabels),
          rule: input.operatingPoint.rule,
          chosenOn: input.operatingPoint.chosenOn,
        };
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
      system("lm", input.lmLabels, new Uint8Array(rows).fill(1), lmLatency),
      system("ssm", input.ssmLabels, new Uint8Array(rows), ssmLatency),
      system("adapted", adaptedLabels, routedToLm, adaptedLatency),
      system("oracle", oracleLabels, oracleLmRows, undefined),
    ],
    oracleAccuracy: computeOracleAccuracy(input.gold, input.ssmLabels, input.lmLabels),
    operatingCurve: thinOperatingCurve(curve, input.maxCurvePoints ?? 200),
    operatingPoint: chosen,
    ablations: [...(input.ablations ?? [])],
    timings: { ...input.timings },
    notes: [...(input.notes ?? [])],
  };
}
