import type { LmReliability } from "./lm-reliability.js";

/** Names of the router's dense features, in order (stored in the adapter for readability). */
export const routerFeatureNames = [
  "ssm-max-probability",
  "ssm-max-logit",
  "ssm-margin",
  "ssm-normalised-entropy",
  "ssm-label-precision",
  "lm-recall-of-ssm-label",
  "lm-precision-of-ssm-label",
  "log-length",
  "novelty",
] as const;

export const routerFeatureCount = routerFeatureNames.length;

export interface SsmSummary {
  topLabel: number;
  top: number;
  second: number;
  entropy: number;
}

/** Top label, top two probabilities and entropy of one probability vector stored at `offset`. */
export function summariseProbabilities(
  probabilities: ArrayLike<number>,
  offset: number,
  labelCount: number,
): SsmSummary {
  let topLabel = 0;
  let top = -1;
  let second = 0;
  let entropy = 0;
  for (let label = 0; label < labelCount; label += 1) {
    const value = probabilities[offset + label] ?? 0;
    if (value > 0) entropy -= value * Math.log(value);
    if (value > top) {
      second = Math.max(top, 0);
      top = value;
      topLabel = label;
    } else if (value > second) {
      second = value;
    }
  }
  return { topLabel, top, second, entropy };
}

/**
 * Writes one row of router features at `target[offset..]`: the SSM's confidence (max, logit,
 * margin, entropy), its out-of-fold precision on its predicted label, the LM's reliability on that
 * label, the text's length and its novelty for the SSM.
 */
export function writeRouterFeatures(
  target: Float64Array,
  offset: number,
  summary: SsmSummary,
  labelCount: number,
  context: {
    ssmPrecision: readonly number[];
    reliability: LmReliability;
    textLength: number;
    novelty: number;
  },
): void {
  const clipped = Math.min(Math.max(summary.top, 1e-6), 1 - 1e-6);
  target[offset] = summary.top;
  target[offset + 1] = Math.log(clipped / (1 - clipped));
  target[offset + 2] = summary.top - summary.second;
  target[offset + 3] = labelCount > 1 ? summary.entropy / Math.log(labelCount) : 0;
  target[offset + 4] = context.ssmPrecision[summary.topLabel] ?? 0.5;
  target[offset + 5] = context.reliability.recall[summary.topLabel] ?? context.reliability.accuracy;
  target[offset + 6] = context.reliability.precision[summary.topLabel] ?? context.reliability.accuracy;
  target[offset + 7] = Math.log(1 + context.textLength);
  target[offset + 8] = context.novelty;
}
