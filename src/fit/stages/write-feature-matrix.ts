import type { LmReliability } from "../../adapter/lm-reliability.js";
import {
  routerFeatureCount,
  summariseProbabilities,
  writeRouterFeatures,
} from "../../adapter/router-features.js";

/** What the router features of the labelled rows are computed from, besides the SSM's probabilities. */
export interface FeatureSources {
  ssmPrecision: readonly number[];
  /** The LM reliability a row's features use (out of fold while fitting, global for the final router). */
  reliabilityOf: (index: number) => LmReliability;
  textLengths: Int32Array;
  novelty: Float64Array;
}

/**
 * Writes the router features of every labelled row into `target` (`routerFeatureCount` per row)
 * and returns it.
 */
export function writeFeatureMatrix(
  target: Float64Array,
  probabilities: Float32Array,
  labelCount: number,
  sources: FeatureSources,
): Float64Array {
  const labelledCount = sources.textLengths.length;
  for (let index = 0; index < labelledCount; index += 1) {
    const summary = summariseProbabilities(probabilities, index * labelCount, labelCount);
    writeRouterFeatures(target, index * routerFeatureCount, summary, labelCount, {
      ssmPrecision: sources.ssmPrecision,
      reliability: sources.reliabilityOf(index),
      textLength: sources.textLengths[index] ?? 0,
      novelty: sources.novelty[index] ?? 0,
    });
  }
  return target;
}
