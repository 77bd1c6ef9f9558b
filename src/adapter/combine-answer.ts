import type { AdapterDescription } from "./adapter-parts.js";
import { combineWithAnswer } from "./answer-gate.js";
import { summariseProbabilities } from "./router-features.js";

/** The gate's answer once the LM answered `answerLabel` (undefined or off the label set: the SSM's label). */
export type CombineAnswer = (
  probabilities: Float32Array,
  answerLabel: string | undefined,
) => { label: string; confidence: number };

/**
 * The adapter's answer gate: weighs the LM's answer against the SSM's probabilities with the
 * adapter's gate and LM reliability; where the LM's answer is unusable, the SSM's top label.
 */
export function createAnswerCombiner(description: AdapterDescription): CombineAnswer {
  const labels = description.task.labels;
  const labelCount = labels.length;
  const labelIds = new Map(labels.map((label, index) => [label, index]));
  const scratch = new Float64Array(labelCount);
  return (probabilities, answerLabel) => {
    const answerId = answerLabel === undefined ? undefined : labelIds.get(answerLabel);
    if (answerId === undefined) {
      const summary = summariseProbabilities(probabilities, 0, labelCount);
      return { label: labels[summary.topLabel] ?? "", confidence: summary.top };
    }
    const result = combineWithAnswer(
      probabilities,
      answerId,
      description.reliability,
      description.gate,
      scratch,
    );
    return { label: labels[result.labelId] ?? "", confidence: result.confidence };
  };
}
