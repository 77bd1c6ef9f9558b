import { createClassificationPrompter } from "../large-models/classification-prompt.js";
import { LargeModelAbortedError } from "../large-models/errors/large-model-aborted-error.js";
import { LargeModelAuthenticationError } from "../large-models/errors/large-model-authentication-error.js";
import { LargeModelTimeoutError } from "../large-models/errors/large-model-timeout-error.js";
import { parseLabel } from "../large-models/parse-label.js";
import { applyProbabilityTemperature } from "../learners/probability-temperature.js";
import { averageNgramLinearModels } from "../small-models/average-ngram-linear-models.js";
import { averageNgramEmbeddingBlends, NgramEmbeddingBlend } from "../small-models/ngram-embedding-blend.js";
import { predictInto, type TrainedSsm } from "../small-models/ssm-trainer.js";
import type { AdaptedPrediction, Adapter, RouteDecision } from "../spec/adapter.js";
import { ArtifactError } from "../spec/errors/artifact-error.js";
import type { LargeModel } from "../spec/large-model.js";
import type { TextEmbeddings } from "../text-encoders/text-embeddings.js";
import type { AdapterDescription } from "./adapter-parts.js";
import { combineWithAnswer } from "./answer-gate.js";
import { routeWithinShare, shareCapOf } from "./lm-share-budget.js";
import { routerScore } from "./router.js";
import { routerFeatureCount, summariseProbabilities, writeRouterFeatures } from "./router-features.js";

/** Texts encoded together by an adapter with a sentence encoder (well under what it keeps prepared): predictBatch's and eval's chunks. */
export const preparedChunk = 64;

/** A loaded adapter's internals, for eval and bench (the router score and the gate on a given answer). */
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

export type LoadedAdapter = Adapter & { readonly internals: AdapterInternals };

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
  const { description, largeModel, embeddings } = input;
  if (input.ssms.length === 0) throw new RangeError("an adapter needs at least one small model");
  const averaged = averageNgramLinearModels(input.ssms) ?? averageNgramEmbeddingBlends(input.ssms);
  let ssms: readonly TrainedSsm[] = averaged === undefined ? input.ssms : [averaged];
  const encoderId = ssms.find((ssm) => ssm instanceof NgramEmbeddingBlend)?.encoderId;
  if (encoderId !== undefined) {
    if (embeddings === undefined) {
      throw new RangeError(`this adapter's small model needs its sentence encoder (${encoderId})`);
    }
    if (embeddings.encoderId !== encoderId) {
      throw new ArtifactError(
        `the adapter was built with the sentence encoder "${encoderId}", but this easy-adapt offers "${embeddings.encoderId}": re-run easy-adapt adapt`,
        "adapter.json",
      );
    }
    ssms = ssms.map((ssm) => (ssm instanceof NgramEmbeddingBlend ? ssm.withEmbeddings(embeddings) : ssm));
  }
  const prepare =
    encoderId === undefined || embeddings === undefined
      ? undefined
      : (texts: readonly string[], options?: { signal?: AbortSignal }) =>
          embeddings.prepare(texts, options?.signal === undefined ? {} : { signal: options.signal });
  const labels = description.task.labels;
  const labelCount = labels.length;
  const single = new Float32Array(labelCount);
  const labelIds = new Map(labels.map((label, index) => [label, index]));
  const features = new Float64Array(routerFeatureCount);
  const scratch = new Float64Array(labelCount);
  const threshold = description.operatingPoint.threshold;
  const shareCap = shareCapOf(description.operatingPoint.criterion);
  const prompter = createClassificationPrompter(description.task);

  type Inspection = { probabilities: Float32Array; ssmLabelId: number; ssmConfidence: number; score: number };
  // serve asks decide(text) and then predict(text) of the same text: the second one reuses the first.
  let lastText: string | undefined;
  let lastInspection: Inspection | undefined;
  const inspect = (text: string): Inspection => {
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

  const combine = (probabilities: Float32Array, answerLabel: string | undefined) => {
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

  const decide = (text: string): RouteDecision => {
    const inspected = inspect(text);
    return {
      ssmLabel: labels[inspected.ssmLabelId] ?? "",
      ssmConfidence: inspected.ssmConfidence,
      useLm: inspected.score >= threshold,
    };
  };

  const ssmAnswer = (inspected: Inspection): AdaptedPrediction => ({
    label: labels[inspected.ssmLabelId] ?? "",
    route: "ssm",
    confidence: inspected.ssmConfidence,
  });

  /** Asks the LM about a text routed there and gates its answer; the SSM answers when the LM fails. */
  const answerWithLm = async (
    text: string,
    inspected: Inspection,
    signal: AbortSignal | undefined,
  ): Promise<AdaptedPrediction> => {
    const fallback = (
      reason: NonNullable<AdaptedPrediction["fallbackReason"]>,
      lmRaw?: string,
    ): AdaptedPrediction => ({
      ...ssmAnswer(inspected),
      route: "fallback",
      fallbackReason: reason,
      ...(lmRaw === undefined ? {} : { lmRaw }),
    });
    if (largeModel === undefined) return fallback("lm-error");
    let answer: string;
    try {
      const completion = await largeModel.complete(prompter(text), signal ? { signal } : {});
      answer = completion.text;
    } catch (error) {
      if (error instanceof LargeModelAuthenticationError) throw error;
      if (error instanceof LargeModelAbortedError && signal?.aborted) throw error;
      return fallback(error instanceof LargeModelTimeoutError ? "lm-timeout" : "lm-error");
    }
    const parsed = parseLabel(answer, labels);
    if (!parsed.success) return fallback("lm-unparseable", answer);
    const combined = combine(inspected.probabilities, parsed.label);
    return {
      label: combined.label,
      route: combined.label === parsed.label ? "lm" : "ssm",
      confidence: combined.confidence,
      lmRaw: answer,
    };
  };

  return {
    task: description.task,
    lmId: description.lmId,
    ...(prepare === undefined ? {} : { prepare }),
    decide,
    maxLmShare: shareCap,
    internals: { inspect, combine, threshold, description },
    async predict(text: string, options?: { signal?: AbortSignal }): Promise<AdaptedPrediction> {
      if (prepare !== undefined) await prepare([text], options);
      const inspected = inspect(text);
      if (!(inspected.score >= threshold)) return ssmAnswer(inspected);
      return answerWithLm(text, inspected, options?.signal);
    },
    async predictBatch(
      texts: readonly string[],
      options?: { signal?: AbortSignal; concurrency?: number },
    ): Promise<AdaptedPrediction[]> {
      const signalOption = options?.signal === undefined ? {} : { signal: options.signal };
      const inspections: Inspection[] = [];
      const scores = new Float64Array(texts.length);
      for (let start = 0; start < texts.length; start += preparedChunk) {
        const chunk = texts.slice(start, start + preparedChunk);
        if (prepare !== undefined) await prepare(chunk, signalOption);
        for (const [offset, text] of chunk.entries()) {
          // inspect() reuses its result for a repeated text: copy out what is kept.
          const inspected = { ...inspect(text) };
          inspections.push(inspected);
          scores[start + offset] = inspected.score;
        }
      }
      const routed = routeWithinShare(scores, threshold, shareCap);
      const predictions = new Array<AdaptedPrediction>(texts.length);
      let next = 0;
      // Once a call throws (an authentication failure, an abort), no worker starts another.
      let failed = false;
      const worker = async (): Promise<void> => {
        while (next < texts.length && !failed) {
          const index = next;
          next += 1;
          const inspected = inspections[index];
          if (inspected === undefined) continue;
          try {
            predictions[index] =
              routed[index] === 1
                ? await answerWithLm(texts[index] ?? "", inspected, options?.signal)
                : ssmAnswer(inspected);
          } catch (error) {
            failed = true;
            throw error;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, options?.concurrency ?? 8) }, worker));
      return predictions;
    },
  };
}
