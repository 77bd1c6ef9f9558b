import { createClassificationPrompter } from "../large-models/classification-prompt.js";
import type { TrainedSsm } from "../small-models/ssm-trainer.js";
import type { Adapter, RouteDecision } from "../spec/adapter.js";
import type { LargeModel } from "../spec/large-model.js";
import type { TextEmbeddings } from "../text-encoders/text-embeddings.js";
import type { AdapterDescription } from "./adapter-parts.js";
import { createAnswerCombiner } from "./combine-answer.js";
import { createTextInspector } from "./inspect-text.js";
import { shareCapOf } from "./lm-share-budget.js";
import { predictBatch } from "./predict-batch.js";
import { type PredictionContext, predictText } from "./predict-text.js";
import { predictionSmallModels } from "./prediction-small-models.js";

/**
 * A loaded adapter's internals, for eval and bench (the router score and the gate on a given answer).
 * @internal Not part of the public API: it may change in any release.
 */
export interface AdapterInternals {
  /** Calibrated SSM probabilities, top label and router score of one text. */
  inspect(text: string): {
    probabilities: Float32Array;
    ssmLabelId: number;
    ssmConfidence: number;
    score: number;
  };
  /** The gate's answer once the LM answered `answerLabel` (undefined: unusable → the SSM's label). */
  combine(
    probabilities: Float32Array,
    answerLabel: string | undefined,
  ): { label: string; confidence: number };
  readonly threshold: number;
  readonly description: AdapterDescription;
}

/** An adapter as `adapt` returns it and `loadAdapter` loads it: the `Adapter` contract, plus internals. */
export type LoadedAdapter = Adapter & {
  /**
   * What eval and bench read of the adapter: its inspection of a text, its gate, its threshold and
   * its description.
   * @internal Not part of the public API: it may change in any release.
   */
  readonly internals: AdapterInternals;
};

/**
 * The adapter at prediction time: the average of the K cross-fitted SSMs answers, feeds the router
 * and the gate. (The router and its threshold were fitted on the out-of-fold predictions of single
 * fold models, which the average resembles far more closely than one model retrained on every row.)
 * `ngram-linear` fold models are averaged into one model of the same cost as each (their mean
 * logit, see average-ngram-linear-models.ts); other kinds average their probabilities.
 */
export function createAdapterRuntime(input: {
  description: AdapterDescription;
  ssms: readonly TrainedSsm[];
  largeModel?: LargeModel | undefined;
  /** Required when the small model blends in a sentence encoder: where its vectors come from. */
  embeddings?: TextEmbeddings | undefined;
}): LoadedAdapter {
  const { description } = input;
  if (input.ssms.length === 0) throw new RangeError("an adapter needs at least one small model");
  const { ssms, prepare } = predictionSmallModels(input.ssms, input.embeddings);
  const labels = description.task.labels;
  const threshold = description.operatingPoint.threshold;
  const shareCap = shareCapOf(description.operatingPoint.criterion);
  const inspect = createTextInspector(description, ssms);
  const combine = createAnswerCombiner(description);
  const context: PredictionContext = {
    inspect,
    prepare,
    threshold,
    shareCap,
    lm: {
      largeModel: input.largeModel,
      prompter: createClassificationPrompter(description.task),
      labels,
      combine,
    },
  };
  return {
    task: description.task,
    lmId: description.lmId,
    ...(prepare === undefined ? {} : { prepare }),
    decide(text: string): RouteDecision {
      const inspected = inspect(text);
      return {
        ssmLabel: labels[inspected.ssmLabelId] ?? "",
        ssmConfidence: inspected.ssmConfidence,
        useLm: inspected.score >= threshold,
      };
    },
    maxLmShare: shareCap,
    internals: { inspect, combine, threshold, description },
    predict: (text, options) => predictText(context, text, options),
    predictBatch: (texts, options) => predictBatch(context, texts, options),
  };
}
