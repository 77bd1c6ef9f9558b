import {
  defaultMaxDisagreement,
  type OperatingCriterion,
  type OperatingMetric,
  type OperatingReference,
} from "../adapter/operating-criterion.js";
import { criterionWords } from "./criterion-words.js";

/** The out-of-fold figures of an adaptation and what they were measured against (a part of `AdaptSummary`). */
export interface EstimateFigures {
  estimated: {
    lmAlone: number;
    ssmAlone: number;
    adapted: number;
    lmShare: number;
    oracle: number;
    /** Macro-F1 of the LM alone and of the adapter, out of fold (whatever metric chose the point). */
    macroF1?: { lmAlone: number; adapted: number };
    /** With some gold labels (`mixed`): the LLM's accuracy against gold on the rows that have one. */
    lmOnGold?: { accuracy: number; rows: number };
  };
  /** The metric the operating point was chosen by. */
  metric: OperatingMetric;
  /** The criterion that chose the operating point (without gold labels: `max-disagreement`). */
  criterion: OperatingCriterion;
  /** What the estimates are measured against: gold labels, the LLM's answers (agreement), or both. */
  reference: OperatingReference;
  router: string;
  gate: { ssmWeight: number };
}

const percent = (value: number) => `${(value * 100).toFixed(2)}%`;

/**
 * The estimate lines of `adapt`'s summary, worded by what they were measured against: gold labels
 * (accuracy; the LLM alone and the oracle), the LLM's answers alone (agreement: the LLM, its own
 * reference, is not scored), or both (`mixed`: which figure is which said).
 */
export function estimateLines(figures: EstimateFigures, estimatedOnRows: number): string[] {
  const { estimated, reference } = figures;
  const routed = `with ${percent(estimated.lmShare)} of inputs sent to the LM (${figures.router} router, ${figures.gate.ssmWeight === 0 ? "the LM's answer kept as is" : "LM answer gated with the SSM"})`;
  const criterion = `  operating point chosen by ${criterionWords(figures.criterion)}`;
  if (reference === "lm") {
    return [
      `estimated on ${estimatedOnRows} rows, out of fold, as agreement with the LLM's answers (no gold labels: the LLM is the reference, so it is not scored itself):`,
      `  SSM alone agrees ${percent(estimated.ssmAlone)}`,
      `  adapted agrees ${percent(estimated.adapted)} ${routed}`,
      ...(estimated.macroF1 === undefined
        ? []
        : [`  macro-F1 of agreement: adapted ${percent(estimated.macroF1.adapted)}`]),
      criterion,
    ];
  }
  const onGold = estimated.lmOnGold;
  return [
    reference === "gold"
      ? `estimated on ${estimatedOnRows} calibration rows, out of fold:`
      : `estimated on ${estimatedOnRows} rows, out of fold, against gold labels where a row has one and agreement with the LLM's answers elsewhere (each figure mixes both):`,
    `  LM alone ${percent(estimated.lmAlone)}, SSM alone ${percent(estimated.ssmAlone)}, oracle ${percent(estimated.oracle)}`,
    ...(onGold === undefined
      ? []
      : [
          `  against gold alone: the LM is right on ${percent(onGold.accuracy)} of the ${onGold.rows} rows with a gold label`,
        ]),
    `  adapted ${percent(estimated.adapted)} ${routed}`,
    ...(estimated.macroF1 === undefined
      ? []
      : [
          `  macro-F1: LM alone ${percent(estimated.macroF1.lmAlone)}, adapted ${percent(estimated.macroF1.adapted)}` +
            (reference === "gold" ? ` (operating point chosen by ${figures.metric})` : ""),
        ]),
    criterion,
  ];
}

/**
 * What the user should know of the adapter: that it is below the LM alone on macro-F1 (against gold:
 * beyond any difference; without gold labels: by more than the disagreement accepted), and, without
 * gold labels, that it saves no LLM call yet when it sends every input to the LLM, and why.
 */
export function summaryWarnings(
  macroF1: { lmAlone: number; adapted: number } | undefined,
  metric: OperatingMetric,
  point: { reference: OperatingReference; criterion: OperatingCriterion; lmShare: number } = {
    reference: "gold",
    criterion: { kind: "default" },
    lmShare: 0,
  },
): string[] {
  const warnings: string[] = [];
  const accepted =
    point.criterion.kind === "max-disagreement" ? point.criterion.maxDisagreement : defaultMaxDisagreement;
  const gap = macroF1 === undefined ? 0 : macroF1.lmAlone - macroF1.adapted;
  const points = (gap * 100).toFixed(2);
  if (point.reference === "gold" && gap > 1e-12) {
    warnings.push(
      `the adapter is estimated ${points} points below the LM alone on macro-F1` +
        (metric === "accuracy"
          ? " (its rarer labels are answered worse); if they matter, adapt with --metric macro-f1"
          : " (no operating point was safely above it)"),
    );
  } else if (point.reference !== "gold" && gap > accepted + 1e-12) {
    warnings.push(
      `the adapter is estimated ${points} points below the LLM alone on macro-F1 (${point.reference === "lm" ? "agreement with the LLM" : "against gold where given, agreement with the LLM elsewhere"}): ` +
        `its rarer labels differ from the LLM by more than the ${percent(accepted)} accepted overall; if they matter, ` +
        (point.criterion.kind === "max-disagreement"
          ? "adapt with a smaller --max-disagreement"
          : "send more inputs to the LLM"),
    );
  }
  if (
    point.reference !== "gold" &&
    point.criterion.kind === "max-disagreement" &&
    point.lmShare >= 1 - 1e-9
  ) {
    warnings.push(
      "this adapter saves no LLM call yet: it sends every input to the LLM, because the small model cannot yet be shown " +
        `to agree with the LLM closely enough (at most ${percent(accepted)} of the inputs it would answer differing, one-sided 99%) ` +
        "on any share of the inputs; adapt on more rows (or refresh it from served traffic), or accept a larger --max-disagreement",
    );
  }
  return warnings;
}
