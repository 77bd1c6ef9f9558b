import { applyProbabilityTemperature } from "../learners/probability-temperature.js";
import { predictInto, type TrainedSsm } from "../small-models/ssm-trainer.js";
import type { AdapterDescription } from "./adapter-parts.js";
import { routerScore } from "./router.js";
import { routerFeatureCount, summariseProbabilities, writeRouterFeatures } from "./router-features.js";

/** What the small models and the router say about one text, before any LM call. */
export interface Inspection {
  /** The calibrated probabilities, averaged over the small models, in task label order. */
  probabilities: Float32Array;
  ssmLabelId: number;
  ssmConfidence: number;
  /** The router score: the text goes to the LM where it reaches the operating point's threshold. */
  score: number;
}

/** Inspects one text; see `createTextInspector`. */
export type InspectText = (text: string) => Inspection;

/**
 * The adapter's inspection of a text: each small model's probabilities, tempered by the adapter's
 * temperature and averaged, their summary as router features, and the router's score. The last
 * text's inspection is kept and returned again for the same text (serve asks `decide(text)` and
 * then `predict(text)` of the same text); callers that keep one must copy it.
 */
export function createTextInspector(
  description: AdapterDescription,
  ssms: readonly TrainedSsm[],
): InspectText {
  const labelCount = description.task.labels.length;
  const single = new Float32Array(labelCount);
  const features = new Float64Array(routerFeatureCount);
  let lastText: string | undefined;
  let lastInspection: Inspection | undefined;
  return (text) => {
    if (text === lastText && lastInspection !== undefined) return lastInspection;
    const probabilities = new Float32Array(labelCount);
    let novelty = 0;
    for (const ssm of ssms) {
      predictInto(ssm, text, single, 0);
      applyProbabilityTemperature(single, 0, labelCount, description.temperature);
      for (let label = 0; label < labelCount; label += 1) {
        probabilities[label] = (probabilities[label] ?? 0) + (single[label] ?? 0) / ssms.length;
      }
      novelty += (ssm.novelty?.(text) ?? 0) / ssms.length;
    }
    const summary = summariseProbabilities(probabilities, 0, labelCount);
    writeRouterFeatures(features, 0, summary, labelCount, {
      ssmPrecision: description.ssmPrecision,
      reliability: description.reliability,
      textLength: text.length,
      novelty,
    });
    lastText = text;
    lastInspection = {
      probabilities,
      ssmLabelId: summary.topLabel,
      ssmConfidence: summary.top,
      score: routerScore(description.router, features, 0),
    };
    return lastInspection;
  };
}
