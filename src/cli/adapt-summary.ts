import type { AdaptResult } from "../adapt/adapt.js";
import { type EstimateFigures, estimateLines, summaryWarnings } from "./adapt-estimate-lines.js";

export { summaryWarnings } from "./adapt-estimate-lines.js";

/**
 * What `easy-adapt adapt` reports once the adapter is written (its --json output, key for key; the
 * out-of-fold figures and what chose the operating point are `EstimateFigures`).
 */
export interface AdaptSummary extends EstimateFigures {
  adapter: string;
  lm: string;
  rows: { train: number; calib: number; distilled: number };
  probe: AdaptResult["probe"];
  /** What the user should know about the adapter, e.g. that it is below the LM alone on macro-F1. */
  warnings: string[];
  smallModel: string;
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
  const { operatingPoint: point, reliability } = result.description;
  const reference = point.reference ?? "gold";
  const metric = point.metric ?? "accuracy";
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
      ...(reference === "mixed"
        ? { lmOnGold: { accuracy: reliability.accuracy, rows: reliability.rowCount } }
        : {}),
    },
    metric,
    criterion: point.criterion,
    reference,
    warnings: summaryWarnings(estimates.macroF1, metric, {
      reference,
      criterion: point.criterion,
      lmShare: estimates.adaptedLmShare,
    }),
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
  const { probe, seconds } = summary;
  return (
    [
      `adapter written to ${summary.adapter}`,
      `probe: ${probe.asked} rows asked, ${probe.answered} answered, ${probe.unparseable} unparseable, ${probe.failed} failed (${probeSources(probe)})` +
        (probe.stoppedBy === "budget" ? "; stopped by the budget" : "") +
        (probe.lastFailure === undefined
          ? ""
          : `\n  the failed calls count as unusable answers (the adapter answers them with the SSM); the last: ${probe.lastFailure}`),
      ...estimateLines(summary, estimatedOnRows),
      ...summary.warnings.map((warning) => `warning: ${warning}`),
      `time: probe ${seconds.probe}s, adaptation ${seconds.adapt}s (${encoded ? `encoding ${seconds.encode}s, ` : ""}SSM training ${seconds.ssmTrain}s); LM spend: ${summary.spend}`,
    ].join("\n") + "\n"
  );
}

/** Where the probe's answers came from besides a call: the cache, a repeated text's call, already known. */
function probeSources(probe: AdaptSummary["probe"]): string {
  return [
    `${probe.cacheHits} from cache`,
    ...((probe.shared ?? 0) > 0 ? [`${probe.shared} repeated texts answered by one call`] : []),
    ...((probe.known ?? 0) > 0 ? [`${probe.known} answers already known, not asked`] : []),
  ].join(", ");
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
