import type { AdaptResult } from "../adapt/adapt.js";
import type {
  OperatingCriterion,
  OperatingMetric,
  OperatingReference,
} from "../adapter/operating-criterion.js";
import { criterionWords, referenceWords } from "./criterion-words.js";

/** What `easy-adapt adapt` reports once the adapter is written (its --json output, key for key). */
export interface AdaptSummary {
  adapter: string;
  lm: string;
  rows: { train: number; calib: number; distilled: number };
  probe: AdaptResult["probe"];
  estimated: {
    lmAlone: number;
    ssmAlone: number;
    adapted: number;
    lmShare: number;
    oracle: number;
    /** Macro-F1 of the LM alone and of the adapter, out of fold (whatever metric chose the point). */
    macroF1?: { lmAlone: number; adapted: number };
  };
  /** The metric the operating point was chosen by. */
  metric: OperatingMetric;
  /** The criterion that chose the operating point (without gold labels: `max-disagreement`). */
  criterion: OperatingCriterion;
  /** What the estimates are measured against: gold labels, the LLM's answers (agreement), or both. */
  reference: OperatingReference;
  /** What the user should know about the adapter, e.g. that it is below the LM alone on macro-F1. */
  warnings: string[];
  smallModel: string;
  router: string;
  gate: AdaptResult["description"]["gate"];
  complementStrength: number;
  /** The threads that trained the fold models, the main one included (`--training-threads`). */
  trainingThreads?: number;
  seconds: { probe: number; adapt: number; encode: number; ssmTrain: number };
  spend: string;
}

/**
 * The summary of one adaptation: where the adapter went, the rows, the probe, the out-of-fold
 * estimates, the parts chosen, the times (in seconds, to the hundredth) and the LM spend.
 */
export function adaptSummary(
  result: AdaptResult,
  rows: { train: number; calib: number },
  adapterPath: string,
  spend: string,
): AdaptSummary {
  const estimates = result.fitted.estimates;
  return {
    adapter: adapterPath,
    lm: result.description.lmId,
    rows: {
      train: rows.train,
      calib: rows.calib,
      distilled: result.fitted.counts.distilled,
    },
    probe: result.probe,
    estimated: {
      lmAlone: estimates.lmAlone,
      ssmAlone: estimates.ssmAlone,
      adapted: estimates.adapted,
      lmShare: estimates.adaptedLmShare,
      oracle: estimates.oracle,
      ...(estimates.macroF1 === undefined ? {} : { macroF1: estimates.macroF1 }),
    },
    metric: result.description.operatingPoint.metric ?? "accuracy",
    criterion: result.description.operatingPoint.criterion,
    reference: result.description.operatingPoint.reference ?? "gold",
    warnings: summaryWarnings(estimates.macroF1, result.description.operatingPoint.metric ?? "accuracy"),
    smallModel: result.description.ssmKind,
    router: result.description.router.kind,
    gate: result.description.gate,
    complementStrength: result.fitted.complementStrength,
    trainingThreads: result.timings.trainingThreads,
    seconds: {
      probe: round(result.timings.probeSeconds),
      adapt: round(result.timings.adaptSeconds),
      encode: round(result.timings.encodeSeconds),
      ssmTrain: round(result.timings.ssmTrainSeconds),
    },
    spend,
  };
}

/**
 * The summary as the lines `adapt` prints (with a final newline). `estimatedOnRows`: the
 * calibration rows the estimates come from; `encoded`: whether a sentence encoder was used (its
 * time is then shown).
 */
export function formatAdaptSummary(summary: AdaptSummary, estimatedOnRows: number, encoded: boolean): string {
  const { probe, estimated, seconds } = summary;
  const percent = (value: number) => `${(value * 100).toFixed(2)}%`;
  return (
    [
      `adapter written to ${summary.adapter}`,
      `probe: ${probe.asked} rows asked, ${probe.answered} answered, ${probe.unparseable} unparseable, ${probe.failed} failed (${probe.cacheHits} from cache)` +
        (probe.stoppedBy === "budget" ? "; stopped by the budget" : "") +
        (probe.lastFailure === undefined
          ? ""
          : `\n  the failed calls count as unusable answers (the adapter answers them with the SSM); the last: ${probe.lastFailure}`),
      summary.reference === "gold"
        ? `estimated on ${estimatedOnRows} calibration rows, out of fold:`
        : `estimated on ${estimatedOnRows} rows, out of fold, against ${referenceWords(summary.reference)}:`,
      `  LM alone ${percent(estimated.lmAlone)}, SSM alone ${percent(estimated.ssmAlone)}, oracle ${percent(estimated.oracle)}`,
      `  adapted ${percent(estimated.adapted)} with ${percent(estimated.lmShare)} of inputs sent to the LM (${summary.router} router, ${summary.gate.ssmWeight === 0 ? "the LM's answer kept as is" : "LM answer gated with the SSM"})`,
      ...(estimated.macroF1 === undefined
        ? []
        : [
            `  macro-F1: LM alone ${percent(estimated.macroF1.lmAlone)}, adapted ${percent(estimated.macroF1.adapted)} (operating point chosen by ${summary.metric})`,
          ]),
      `  operating point chosen by ${criterionWords(summary.criterion)}`,
      ...summary.warnings.map((warning) => `warning: ${warning}`),
      `time: probe ${seconds.probe}s, adaptation ${seconds.adapt}s (${encoded ? `encoding ${seconds.encode}s, ` : ""}SSM training ${seconds.ssmTrain}s); LM spend: ${summary.spend}`,
    ].join("\n") + "\n"
  );
}

/**
 * A warning when the adapter's estimated macro-F1 is below the LM alone's: accuracy can rise while
 * a rare label is answered worse (an imbalanced task), and with `--metric accuracy` nothing stops it.
 */
export function summaryWarnings(
  macroF1: { lmAlone: number; adapted: number } | undefined,
  metric: OperatingMetric,
): string[] {
  if (macroF1 === undefined || macroF1.adapted >= macroF1.lmAlone - 1e-12) return [];
  const points = ((macroF1.lmAlone - macroF1.adapted) * 100).toFixed(2);
  return [
    `the adapter is estimated ${points} points below the LM alone on macro-F1` +
      (metric === "accuracy"
        ? " (its rarer labels are answered worse); if they matter, adapt with --metric macro-f1"
        : " (no operating point was safely above it)"),
  ];
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
