import type { OperatingCriterion, OperatingReference } from "../adapter/operating-criterion.js";

/** What the out-of-fold estimates were measured against, in words. */
export function referenceWords(reference: OperatingReference): string {
  if (reference === "lm") return "agreement with the LLM's answers (no gold labels)";
  if (reference === "mixed") return "gold labels where given, agreement with the LLM's answers elsewhere";
  return "gold labels";
}

/** The criterion that chose the operating point, in words (one line of `adapt`'s and `refresh`'s summaries). */
export function criterionWords(criterion: OperatingCriterion): string {
  const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
  switch (criterion.kind) {
    case "max-disagreement":
      return `agreement with the LLM: at most ${percent(criterion.maxDisagreement)} of the inputs the small model answers differ from the LLM's answer (one-sided 99%; --max-disagreement)`;
    case "max-lm-share":
      return `LLM share cap of ${percent(criterion.maxLmShare)} (--max-lm-share)`;
    case "lm-cost":
      return `accuracy - ${criterion.lmCost} x LLM share (--lm-cost)`;
    default:
      return "the default rule: the cheapest point near the best estimated accuracy, not below the LLM alone (one-sided 99%)";
  }
}
