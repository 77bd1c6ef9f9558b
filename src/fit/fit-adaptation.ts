import { combineWithAnswer, fitGate, type GateParameters, lmAnswerGate } from "../adapter/answer-gate.js";
import { estimateLmReliability, type LmReliability } from "../adapter/lm-reliability.js";
import type { AdapterOperatingPoint, OperatingCriterion } from "../adapter/operating-criterion.js";
import { fitRouter, type RouterKind, type RouterModel, routerScore } from "../adapter/router.js";
import {
  routerFeatureCount,
  summariseProbabilities,
  writeRouterFeatures,
} from "../adapter/router-features.js";
import {
  applyProbabilityTemperature,
  fitProbabilityTemperature,
} from "../learners/probability-temperature.js";
import { predictInto, type SsmTrainer, type TrainedSsm } from "../small-models/ssm-trainer.js";
import type { ProgressListener } from "../spec/logger.js";
import type { TrainingSet } from "../spec/small-model.js";
import { complementWeights } from "./complement-weights.js";
import { assignFolds } from "./folds.js";
import { type CurvePoint, chooseOperatingPoint, estimateCurve, safetyZ } from "./operating-point.js";
import { buildUnderfitMap, type UnderfitMap } from "./underfit-map.js";

/** What the pipeline knows about every row: its text, gold label and LM answer (as label ids). */
export interface AdaptationData {
  labels: readonly string[];
  texts: readonly string[];
  /** -1 where the row has no gold label. */
  goldIds: Int32Array;
  /** -2 where the LM was not asked; -1 where its answer was unusable (off the label set, failed). */
  answerIds: Int32Array;
}

export const notAsked = -2;
export const unusableAnswer = -1;

export interface AdaptationOptions {
  trainer: SsmTrainer;
  criterion: OperatingCriterion;
  foldCount?: number;
  seed?: number;
  /** Candidate complement strengths; the best on the out-of-fold estimate is kept (default [0, 1]). */
  complementStrengths?: readonly number[];
  /** "auto" (default): the learned router where it beats the SSM-confidence threshold out of fold. */
  router?: RouterKind | "auto";
  /** Learn from the LM's answers on rows without a gold label (default true). */
  distillation?: boolean;
  onProgress?: ProgressListener;
}

export interface Estimates {
  /** Rows the estimates are computed on (probed rows with a gold label). */
  rows: number;
  lmAlone: number;
  ssmAlone: number;
  /** The SSM alone on every labelled row (out of fold). */
  ssmAloneAllLabelled: number;
  gatedAll: number;
  adapted: number;
  adaptedLmShare: number;
  oracle: number;
}

export interface CandidateSummary {
  complementStrength: number;
  objective: number;
  ssmAlone: number;
  adapted: number;
  adaptedLmShare: number;
}

export interface FittedAdaptation {
  /**
   * The K cross-fitted SSMs; at prediction time their average answers. They are the very models
   * (trained on the same amount of data) whose out-of-fold predictions calibrated the router, so its
   * threshold transfers, which a model retrained on every row does not (it is more confident).
   */
  ssms: TrainedSsm[];
  temperature: number;
  reliability: LmReliability;
  ssmPrecision: number[];
  gate: GateParameters;
  router: RouterModel;
  operatingPoint: AdapterOperatingPoint;
  curve: CurvePoint[];
  estimates: Estimates;
  underfitMap: UnderfitMap;
  complementStrength: number;
  candidates: CandidateSummary[];
  counts: { labelled: number; probedLabelled: number; distilled: number; folds: number };
  timings: { ssmTrainSeconds: number; crossFitSeconds: number };
  /**
   * The out-of-fold outcomes the operating point was chosen on, one entry per probed labelled row
   * (for studies of the operating-point rule, e.g. `bench/operating-point-study.ts`): the
   * chosen router's score, whether the SSM alone, the routed answer (the gate) and the LM alone
   * are right.
   */
  outOfFold: {
    routerKind: RouterKind;
    scores: Float64Array;
    ssmRight: Uint8Array;
    gatedRight: Uint8Array;
    lmRight: Uint8Array;
  };
  /** For tests: the fold of each labelled row and the texts each fold's SSM was trained on. */
  audit: { labelledRows: number[]; folds: Int32Array; trainedTexts: (readonly string[])[] };
}

interface CrossFit {
  models: TrainedSsm[];
  probabilities: Float32Array;
  novelty: Float64Array;
  trainedTexts: (readonly string[])[];
  seconds: number;
}

interface CandidateEvaluation {
  routerKind: RouterKind;
  temperature: number;
  probabilities: Float32Array;
  features: Float64Array;
  ssmRight: Uint8Array;
  gatedRight: Uint8Array;
  gate: GateParameters;
  ssmPrecision: number[];
  curve: CurvePoint[];
  chosen: CurvePoint;
  objective: number;
  estimates: Estimates;
  ssmTop: Float64Array;
  ssmTopLabel: Int32Array;
  outOfFold: FittedAdaptation["outOfFold"];
}

/**
 * The adaptation itself, on label ids, without I/O: cross-fitted SSMs (K folds over the labelled
 * rows: no row is scored by a model that saw it), temperature, LM reliability, the answer gate,
 * the router and the operating point, all estimated out of fold. The fold models are kept: they
 * are the adapter's SSMs (see `ssms`).
 */
export async function fitAdaptation(
  data: AdaptationData,
  options: AdaptationOptions,
): Promise<FittedAdaptation> {
  const labelCount = data.labels.length;
  const foldCount = options.foldCount ?? 5;
  const seed = options.seed ?? 1;
  const strengths = options.complementStrengths ?? [0.5];
  const routerChoice = options.router ?? "auto";
  const distillation = options.distillation ?? true;

  const labelledRows: number[] = [];
  const distilledRows: number[] = [];
  for (let row = 0; row < data.texts.length; row += 1) {
    if ((data.goldIds[row] ?? -1) >= 0) labelledRows.push(row);
    else if ((data.answerIds[row] ?? notAsked) >= 0) distilledRows.push(row);
  }
  const labelledCount = labelledRows.length;
  // Local arrays indexed by position in labelledRows.
  const gold = Int32Array.from(labelledRows, (row) => data.goldIds[row] ?? 0);
  const answers = Int32Array.from(labelledRows, (row) => data.answerIds[row] ?? notAsked);
  const texts = labelledRows.map((row) => data.texts[row] ?? "");
  const lengths = Int32Array.from(texts, (text) => text.length);
  const probed: number[] = [];
  for (let index = 0; index < labelledCount; index += 1)
    if ((answers[index] ?? notAsked) !== notAsked) probed.push(index);
  const folds = assignFolds(gold, foldCount, seed);
  const globalReliability = estimateLmReliability(gold, answers, labelCount, {
    include: (index) => (answers[index] ?? notAsked) !== notAsked,
  });
  const foldReliability = Array.from({ length: foldCount }, (_, fold) =>
    estimateLmReliability(gold, answers, labelCount, {
      include: (index) => folds[index] !== fold && (answers[index] ?? notAsked) !== notAsked,
    }),
  );
  const distilledTexts = distillation ? distilledRows.map((row) => data.texts[row] ?? "") : [];
  const distilledLabels = distillation ? distilledRows.map((row) => data.answerIds[row] ?? 0) : [];

  const buildSet = (
    indices: readonly number[],
    reliability: LmReliability,
    strength: number,
  ): TrainingSet => {
    const weights = complementWeights(indices, gold, answers, reliability, strength);
    const setTexts = indices.map((index) => texts[index] ?? "");
    const labelIds = new Int32Array(indices.length + distilledTexts.length);
    indices.forEach((index, position) => {
      labelIds[position] = gold[index] ?? 0;
    });
    const exampleWeights = new Float32Array(indices.length + distilledTexts.length);
    exampleWeights.set(weights);
    distilledLabels.forEach((answer, position) => {
      labelIds[indices.length + position] = answer;
      exampleWeights[indices.length + position] =
        0.8 * (reliability.precision[answer] ?? reliability.accuracy);
    });
    return { texts: [...setTexts, ...distilledTexts], labelIds, labels: data.labels, exampleWeights };
  };

  const totalTrainings = strengths.length * foldCount;
  let trainingsDone = 0;
  const report = (detail: string): void =>
    options.onProgress?.({ stage: "train SSMs", done: trainingsDone, total: totalTrainings, detail });

  const crossFit = async (strength: number): Promise<CrossFit> => {
    const started = performance.now();
    const probabilities = new Float32Array(labelledCount * labelCount);
    const novelty = new Float64Array(labelledCount);
    const trainedTexts: (readonly string[])[] = [];
    const models: TrainedSsm[] = [];
    for (let fold = 0; fold < foldCount; fold += 1) {
      const inFold: number[] = [];
      const outOfFold: number[] = [];
      for (let index = 0; index < labelledCount; index += 1)
        (folds[index] === fold ? inFold : outOfFold).push(index);
      report(`complement strength ${strength}, fold ${fold + 1}/${foldCount}`);
      const set = buildSet(outOfFold, foldReliability[fold] ?? globalReliability, strength);
      const model = await options.trainer(set);
      models.push(model);
      trainedTexts.push(set.texts);
      for (const index of inFold) {
        const text = texts[index] ?? "";
        predictInto(model, text, probabilities, index * labelCount);
        novelty[index] = model.novelty?.(text) ?? 0;
      }
      trainingsDone += 1;
    }
    return { models, probabilities, novelty, trainedTexts, seconds: (performance.now() - started) / 1000 };
  };

  const evaluate = (fit: CrossFit): CandidateEvaluation => {
    const probabilities = Float32Array.from(fit.probabilities);
    const temperature = fitProbabilityTemperature(
      probabilities,
      labelCount,
      gold,
      labelledRows.map((_, index) => index),
    );
    for (let index = 0; index < labelledCount; index += 1) {
      applyProbabilityTemperature(probabilities, index * labelCount, labelCount, temperature);
    }
    const ssmTopLabel = new Int32Array(labelledCount);
    const ssmTop = new Float64Array(labelledCount);
    const summaries = [];
    const ssmRight = new Uint8Array(labelledCount);
    const predictedCount = new Float64Array(labelCount);
    const predictedRight = new Float64Array(labelCount);
    let ssmRightTotal = 0;
    for (let index = 0; index < labelledCount; index += 1) {
      const summary = summariseProbabilities(probabilities, index * labelCount, labelCount);
      summaries.push(summary);
      ssmTopLabel[index] = summary.topLabel;
      ssmTop[index] = summary.top;
      const right = summary.topLabel === gold[index] ? 1 : 0;
      ssmRight[index] = right;
      ssmRightTotal += right;
      predictedCount[summary.topLabel] = (predictedCount[summary.topLabel] ?? 0) + 1;
      predictedRight[summary.topLabel] = (predictedRight[summary.topLabel] ?? 0) + right;
    }
    const ssmAccuracy = labelledCount > 0 ? ssmRightTotal / labelledCount : 0;
    const ssmPrecision = Array.from(
      { length: labelCount },
      (_, label) => ((predictedRight[label] ?? 0) + 4 * ssmAccuracy) / ((predictedCount[label] ?? 0) + 4),
    );
    const features = new Float64Array(labelledCount * routerFeatureCount);
    for (let index = 0; index < labelledCount; index += 1) {
      writeRouterFeatures(features, index * routerFeatureCount, summaries[index]!, labelCount, {
        ssmPrecision,
        reliability: foldReliability[folds[index] ?? 0] ?? globalReliability,
        textLength: lengths[index] ?? 0,
        novelty: fit.novelty[index] ?? 0,
      });
    }
    const fittedGate = fitGate(
      probed
        .filter((index) => (answers[index] ?? -1) >= 0)
        .map((index) => ({
          probabilities: probabilities.subarray(index * labelCount, (index + 1) * labelCount),
          answerId: answers[index] ?? 0,
          goldId: gold[index] ?? 0,
          reliability: foldReliability[folds[index] ?? 0] ?? globalReliability,
        })),
      labelCount,
    );
    const scratch = new Float64Array(labelCount);
    const gateOutcomes = (parameters: GateParameters): Uint8Array => {
      const outcome = new Uint8Array(labelledCount);
      for (const index of probed) {
        const answer = answers[index] ?? -1;
        if (answer < 0) {
          outcome[index] = ssmRight[index] ?? 0;
          continue;
        }
        const result = combineWithAnswer(
          probabilities.subarray(index * labelCount, (index + 1) * labelCount),
          answer,
          foldReliability[folds[index] ?? 0] ?? globalReliability,
          parameters,
          scratch,
        );
        outcome[index] = result.labelId === gold[index] ? 1 : 0;
      }
      return outcome;
    };
    // Keep the combination only where it measurably beats the LM's own answer (paired, one-sided 99%).
    const combined = gateOutcomes(fittedGate);
    const lmOnly = gateOutcomes(lmAnswerGate);
    const gateGain = pairedGain(probed, combined, lmOnly);
    const gate = gateGain.mean - safetyZ * gateGain.standardError > 0 ? fittedGate : lmAnswerGate;
    const gatedRight = gate === fittedGate ? combined : lmOnly;
    const probedSsmRight = Uint8Array.from(probed, (index) => ssmRight[index] ?? 0);
    const probedGatedRight = Uint8Array.from(probed, (index) => gatedRight[index] ?? 0);
    const probedLmRight = Uint8Array.from(probed, (index) => (answers[index] === gold[index] ? 1 : 0));
    // Out-of-fold router scores on the probed rows, for each router kind tried.
    const routeWith = (kind: RouterKind) => {
      const scores = new Float64Array(probed.length);
      for (let fold = 0; fold < foldCount; fold += 1) {
        const trainingRows: number[] = [];
        const trainingProbed: number[] = [];
        for (let index = 0; index < labelledCount; index += 1)
          if (folds[index] !== fold) trainingRows.push(index);
        for (const index of probed) if (folds[index] !== fold) trainingProbed.push(index);
        const router = fitRouter(kind, features, trainingRows, ssmRight, trainingProbed, gatedRight);
        probed.forEach((index, position) => {
          if (folds[index] === fold)
            scores[position] = routerScore(router, features, index * routerFeatureCount);
        });
      }
      const curve = estimateCurve(scores, probedSsmRight, probedGatedRight, probedLmRight);
      const chosen = chooseOperatingPoint(curve, options.criterion);
      const best = curve.reduce((value, point) => Math.max(value, point.accuracy), 0);
      const objective =
        options.criterion.kind === "lm-cost"
          ? chosen.accuracy - options.criterion.lmCost * chosen.lmShare
          : options.criterion.kind === "max-lm-share"
            ? chosen.accuracy
            : best - 0.01 * chosen.lmShare;
      return { kind, scores, curve, chosen, objective };
    };
    // The learned router must beat the plain confidence threshold by 0.1 point out of fold to be used.
    const kinds: RouterKind[] = routerChoice === "auto" ? ["confidence", "learned"] : [routerChoice];
    let routing = routeWith(kinds[0] ?? "confidence");
    for (const kind of kinds.slice(1)) {
      const other = routeWith(kind);
      if (other.objective > routing.objective + 0.001) routing = other;
    }
    const { curve, chosen, objective } = routing;
    let lmRight = 0;
    let oracleRight = 0;
    probed.forEach((index, position) => {
      const lm = probedLmRight[position] ?? 0;
      lmRight += lm;
      oracleRight += Math.max(lm, ssmRight[index] ?? 0);
    });
    const probedCount = Math.max(probed.length, 1);
    const lmAlone = lmRight / probedCount;
    return {
      routerKind: routing.kind,
      temperature,
      probabilities,
      features,
      ssmRight,
      gatedRight,
      gate,
      ssmPrecision,
      curve,
      chosen,
      objective,
      ssmTop,
      ssmTopLabel,
      outOfFold: {
        routerKind: routing.kind,
        scores: routing.scores,
        ssmRight: probedSsmRight,
        gatedRight: probedGatedRight,
        lmRight: probedLmRight,
      },
      estimates: {
        rows: probed.length,
        lmAlone,
        ssmAlone: probedSsmRight.reduce((sum, value) => sum + value, 0) / probedCount,
        ssmAloneAllLabelled: ssmAccuracy,
        gatedAll: probedGatedRight.reduce((sum, value) => sum + value, 0) / probedCount,
        adapted: chosen.accuracy,
        adaptedLmShare: chosen.lmShare,
        oracle: oracleRight / probedCount,
      },
    };
  };

  const crossFitStarted = performance.now();
  const candidates: CandidateSummary[] = [];
  let best: { strength: number; fit: CrossFit; evaluation: CandidateEvaluation } | undefined;
  let ssmTrainSeconds = 0;
  for (const strength of strengths) {
    const fit = await crossFit(strength);
    ssmTrainSeconds += fit.seconds;
    const evaluation = evaluate(fit);
    candidates.push({
      complementStrength: strength,
      objective: evaluation.objective,
      ssmAlone: evaluation.estimates.ssmAloneAllLabelled,
      adapted: evaluation.estimates.adapted,
      adaptedLmShare: evaluation.estimates.adaptedLmShare,
    });
    if (best === undefined || evaluation.objective > best.evaluation.objective + 1e-9) {
      best = { strength, fit, evaluation };
    }
  }
  if (best === undefined) throw new Error("fitAdaptation needs at least one complement strength");
  const crossFitSeconds = (performance.now() - crossFitStarted) / 1000;

  report("done");
  const allIndices = Array.from({ length: labelledCount }, (_, index) => index);

  const evaluation = best.evaluation;
  // Final router features use the global reliability (as at prediction time).
  const finalFeatures = Float64Array.from(evaluation.features);
  for (let index = 0; index < labelledCount; index += 1) {
    const offset = index * routerFeatureCount;
    const summary = summariseProbabilities(evaluation.probabilities, index * labelCount, labelCount);
    writeRouterFeatures(finalFeatures, offset, summary, labelCount, {
      ssmPrecision: evaluation.ssmPrecision,
      reliability: globalReliability,
      textLength: lengths[index] ?? 0,
      novelty: best.fit.novelty[index] ?? 0,
    });
  }
  const router = fitRouter(
    evaluation.routerKind,
    finalFeatures,
    allIndices,
    evaluation.ssmRight,
    probed,
    evaluation.gatedRight,
  );
  // The threshold: the final router's score quantile matching the chosen LM share on every labelled row.
  const finalScores = new Float64Array(labelledCount);
  for (let index = 0; index < labelledCount; index += 1) {
    finalScores[index] = routerScore(router, finalFeatures, index * routerFeatureCount);
  }
  const sortedScores = Array.from(finalScores).sort((left, right) => right - left);
  const chosen = evaluation.chosen;
  const routedCount = Math.round(chosen.lmShare * labelledCount);
  const threshold = routedCount <= 0 ? Number.POSITIVE_INFINITY : (sortedScores[routedCount - 1] ?? 0);

  const underfitMap = buildUnderfitMap({
    labels: data.labels,
    rows: probed,
    goldIds: gold,
    answerIds: answers,
    ssmTopLabel: evaluation.ssmTopLabel,
    ssmTop: evaluation.ssmTop,
    textLengths: lengths,
    reliability: globalReliability,
  });

  return {
    ssms: best.fit.models,
    temperature: evaluation.temperature,
    reliability: globalReliability,
    ssmPrecision: evaluation.ssmPrecision,
    gate: evaluation.gate,
    router,
    operatingPoint: {
      threshold,
      lmShare: chosen.lmShare,
      estimatedAccuracy: chosen.accuracy,
      criterion: options.criterion,
    },
    curve: evaluation.curve,
    estimates: evaluation.estimates,
    underfitMap,
    complementStrength: best.strength,
    candidates,
    counts: {
      labelled: labelledCount,
      probedLabelled: probed.length,
      distilled: distilledTexts.length,
      folds: foldCount,
    },
    timings: { ssmTrainSeconds, crossFitSeconds },
    outOfFold: evaluation.outOfFold,
    audit: { labelledRows, folds, trainedTexts: best.fit.trainedTexts },
  };
}

function pairedGain(
  rows: readonly number[],
  left: Uint8Array,
  right: Uint8Array,
): { mean: number; standardError: number } {
  if (rows.length === 0) return { mean: 0, standardError: 0 };
  let sum = 0;
  let differing = 0;
  for (const row of rows) {
    const difference = (left[row] ?? 0) - (right[row] ?? 0);
    sum += difference;
    differing += Math.abs(difference);
  }
  const mean = sum / rows.length;
  const variance = Math.max(differing / rows.length - mean * mean, 0);
  return { mean, standardError: Math.sqrt(variance / rows.length) };
}
