import type { OperatingCriterion, OperatingMetric } from "../adapter/operating-criterion.js";
import type { RouterKind } from "../adapter/router.js";
import type { SsmTrainer } from "../small-models/ssm-trainer.js";
import type { ProgressListener } from "../spec/logger.js";
import type { AdaptationData } from "./adaptation-data.js";
import type { FittedAdaptation } from "./fitted-adaptation.js";
import { assignFolds, groupFoldsByText } from "./folds.js";
import { crossFitSsms } from "./stages/cross-fit-ssms.js";
import { estimateReliabilities } from "./stages/estimate-reliabilities.js";
import { evaluateCandidate } from "./stages/evaluate-candidate.js";
import type { FitContext } from "./stages/fit-context.js";
import { fitFinalRouter } from "./stages/fit-final-router.js";
import { indexRows } from "./stages/index-rows.js";
import { mapUnderfit } from "./stages/map-underfit.js";
import { selectComplementStrength } from "./stages/select-complement-strength.js";
import { thresholdForShare } from "./stages/threshold-for-share.js";
import { createTrainingProgress } from "./stages/training-progress.js";

export { type AdaptationData, notAsked, unusableAnswer } from "./adaptation-data.js";
export type {
  CandidateSummary,
  Estimates,
  FittedAdaptation,
  OutOfFoldOutcomes,
} from "./fitted-adaptation.js";

/** The number of cross-fitting folds unless `foldCount` is given. */
export const defaultFoldCount = 5;

/** How `fitAdaptation` trains the SSMs and chooses the router and its operating point. */
export interface AdaptationOptions {
  trainer: SsmTrainer;
  /**
   * Trainers that train other fold models while `trainer` trains one (e.g. in worker threads), one
   * fold at a time each; each must give the model `trainer` would (default none).
   */
  parallelTrainers?: readonly SsmTrainer[];
  criterion: OperatingCriterion;
  /** What the operating point maximises and holds not below the LM alone (default "accuracy"). */
  metric?: OperatingMetric;
  foldCount?: number;
  seed?: number;
  /** Candidate complement strengths; the best on the out-of-fold estimate is kept (default [0.5]). */
  complementStrengths?: readonly number[];
  /** "auto" (default): the learned router where it beats the SSM-confidence threshold out of fold. */
  router?: RouterKind | "auto";
  /** Learn from the LM's answers on rows without a gold label (default true). */
  distillation?: boolean;
  onProgress?: ProgressListener;
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
  const foldCount = options.foldCount ?? defaultFoldCount;
  const strengths = options.complementStrengths ?? [0.5];
  const rows = indexRows(data, options.distillation ?? true);
  const folds = groupFoldsByText(assignFolds(rows.gold, foldCount, options.seed ?? 1), rows.texts);
  const reliabilities = estimateReliabilities(rows, folds, labelCount, foldCount);
  const context: FitContext = { labels: data.labels, labelCount, foldCount, rows, folds, reliabilities };
  const progress = createTrainingProgress(options.onProgress, strengths.length * foldCount);
  const metric = options.metric ?? "accuracy";
  const choice = { criterion: options.criterion, router: options.router ?? "auto", metric };
  const trainers = [options.trainer, ...(options.parallelTrainers ?? [])];
  const selection = await selectComplementStrength(
    strengths,
    (strength) => crossFitSsms(context, strength, trainers, progress),
    (fit) => evaluateCandidate(context, fit, choice),
  );
  progress.report("done");
  const { strength, fit, evaluation } = selection.best;
  const { router, scores } = fitFinalRouter(context, evaluation, fit.novelty);
  const { chosen } = evaluation;
  return {
    ssms: fit.models,
    temperature: evaluation.temperature,
    reliability: reliabilities.global,
    ssmPrecision: evaluation.ssmPrecision,
    gate: evaluation.gate,
    router,
    operatingPoint: {
      threshold: thresholdForShare(scores, chosen.lmShare),
      lmShare: chosen.lmShare,
      estimatedAccuracy: chosen.accuracy,
      criterion: options.criterion,
      metric,
      ...(evaluation.estimates.macroF1 === undefined
        ? {}
        : { estimatedMacroF1: evaluation.estimates.macroF1.adapted }),
    },
    curve: evaluation.curve,
    ...(evaluation.metricCurve === undefined ? {} : { metricCurve: evaluation.metricCurve }),
    estimates: evaluation.estimates,
    underfitMap: mapUnderfit(context, evaluation),
    complementStrength: strength,
    candidates: selection.candidates,
    counts: {
      labelled: rows.labelledRows.length,
      probedLabelled: rows.probed.length,
      distilled: rows.distilledTexts.length,
      folds: foldCount,
    },
    timings: { ssmTrainSeconds: selection.ssmTrainSeconds, crossFitSeconds: selection.crossFitSeconds },
    outOfFold: evaluation.outOfFold,
    audit: { labelledRows: rows.labelledRows, folds, trainedTexts: fit.trainedTexts },
  };
}
