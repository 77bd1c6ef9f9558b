import type { AdaptResult } from "../adapt/adapt.js";

/** What `easy-adapt adapt` reports once the adapter is written (its --json output, key for key). */
export interface AdaptSummary {
  adapter: string;
  lm: string;
  rows: { train: number; calib: number; distilled: number };
  probe: AdaptResult["probe"];
  estimated: { lmAlone: number; ssmAlone: number; adapted: number; lmShare: number; oracle: number };
  smallModel: string;
  router: string;
  gate: AdaptResult["description"]["gate"];
  complementStrength: number;
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
    },
    smallModel: result.description.ssmKind,
    router: result.description.router.kind,
    gate: result.description.gate,
    complementStrength: result.fitted.complementStrength,
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
      `estimated on ${estimatedOnRows} calibration rows, out of fold:`,
      `  LM alone ${percent(estimated.lmAlone)}, SSM alone ${percent(estimated.ssmAlone)}, oracle ${percent(estimated.oracle)}`,
      `  adapted ${percent(estimated.adapted)} with ${percent(estimated.lmShare)} of inputs sent to the LM (${summary.router} router, ${summary.gate.ssmWeight === 0 ? "the LM's answer kept as is" : "LM answer gated with the SSM"})`,
      `time: probe ${seconds.probe}s, adaptation ${seconds.adapt}s (${encoded ? `encoding ${seconds.encode}s, ` : ""}SSM training ${seconds.ssmTrain}s); LM spend: ${summary.spend}`,
    ].join("\n") + "\n"
  );
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
