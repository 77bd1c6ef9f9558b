import { fitLogitTemperature, negativeLogLikelihood } from "../learners/logit-temperature.js";
import { UsageError } from "../spec/errors/usage-error.js";
import type { ProgressListener } from "../spec/logger.js";
import type { TrainingSet } from "../spec/small-model.js";
import { createSeededRandom, shuffleInPlace } from "../util/seeded-random.js";
import { averageNgramLinearModels } from "./average-ngram-linear-models.js";
import { applyClassRatioWeighting } from "./class-ratio-weighting.js";
import type { FeatureCountCache } from "./feature-count-cache.js";
import { extractFeatures, type FeatureMatrix } from "./feature-matrix.js";
import { NgramLinearModel } from "./ngram-linear-model.js";
import {
  featureSettingsOf,
  type NgramLinearOptions,
  type NgramLinearOptionsInput,
  ngramLinearOptionsSchema,
} from "./ngram-linear-options.js";
import { NgramSoftmaxTrainer } from "./ngram-linear-trainer.js";
import { validateTrainingSet } from "./validate-training-set.js";

/** Progress reporting and cancellation for a training run. */
export interface TrainHooks {
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  /** Raw feature counts shared across trainings (cross-fitting's folds): same model, less hashing. */
  featureCounts?: FeatureCountCache;
}

const MIN_HELD_OUT = 10;
/**
 * Below this many held-out rows, `stopOn: "auto"` trains a fixed maxEpochs (no early stopping)
 * and `refit: "auto"` retrains on all rows: a small held-out share chooses epochs by noise, a
 * small set loses most by not learning from it, and retraining a small set is cheap.
 */
const REFIT_BELOW_HELD_OUT = 200;

/**
 * Trains an `ngram-linear` model: hashed word/char n-gram features (TF-IDF scaled by the
 * naive-Bayes class ratio, L2-normalised), a multinomial logistic regression trained by AdaGrad
 * (or SGD) with L2, per-class and per-example weights, early stopping on a held-out fraction
 * (large sets) or a fixed epoch count and a refit on all rows (small sets), and temperature
 * scaling on the held-out rows. Below `ensembleBelowRows` rows it trains `ensembleMembers` such
 * models (each holding out other rows and seeing them in another order) over the same features
 * and returns their average, one model's size and prediction cost. Deterministic for a given
 * `seed`. Yields to the event loop between epochs so `signal` can stop it.
 */
export async function trainNgramLinear(
  set: TrainingSet,
  optionsInput: NgramLinearOptionsInput = {},
  hooks: TrainHooks = {},
): Promise<NgramLinearModel> {
  const parsed = ngramLinearOptionsSchema.safeParse(optionsInput);
  if (!parsed.success) throw new UsageError(`invalid ngram-linear options: ${parsed.error.message}`);
  const options = parsed.data;
  validateTrainingSet(set, options.classWeights);
  const matrix = extractFeatures(set.texts, options, hooks.onProgress, hooks.featureCounts);
  const members = set.texts.length < options.ensembleBelowRows ? options.ensembleMembers : 1;
  if (members === 1) return trainMember(set, matrix, options, options.seed, hooks);
  const seeds = createSeededRandom(options.seed);
  const trained: NgramLinearModel[] = [];
  for (let member = 0; member < members; member++) {
    // Each member re-weights its own copy of the values (its class ratios come from its own rows).
    const copy: FeatureMatrix = {
      ...matrix,
      values: matrix.values.slice(),
      featureIdf: matrix.featureIdf.slice(),
    };
    const seed = member === 0 ? options.seed : Math.floor(seeds() * 2 ** 31);
    const memberHooks: TrainHooks = { ...hooks };
    if (hooks.onProgress !== undefined) {
      memberHooks.onProgress = asOneProgress(hooks.onProgress, member, members, options.maxEpochs);
    }
    trained.push(await trainMember(set, copy, options, seed, memberHooks));
  }
  // The members share the feature rows, so the average keeps no per-feature share.
  return averageNgramLinearModels(trained) ?? trained[0]!;
}

/** Reports the members' epochs as one "train" progress: member m's epoch e is m·maxEpochs + e. */
function asOneProgress(
  onProgress: ProgressListener,
  member: number,
  members: number,
  maxEpochs: number,
): ProgressListener {
  return (event) =>
    onProgress(
      event.stage === "train"
        ? { ...event, done: member * maxEpochs + event.done, total: members * maxEpochs }
        : event,
    );
}

/** One model over an already extracted (and, by class ratios, re-weighted in place) matrix. */
async function trainMember(
  set: TrainingSet,
  matrix: FeatureMatrix,
  options: NgramLinearOptions,
  seed: number,
  hooks: TrainHooks,
): Promise<NgramLinearModel> {
  const classes = set.labels.length;
  const count = set.texts.length;
  const random = createSeededRandom(seed);
  const split = splitHeldOut(count, options.heldOutFraction, random);
  const exampleWeight = exampleWeightsOf(set, options);
  if (options.classRatioWeighting) {
    applyClassRatioWeighting(
      matrix,
      set.labelIds,
      classes,
      split.training,
      exampleWeight,
      options.classRatioPower,
      options.classRatioSmoothing,
    );
  }
  const features = matrix.featureBuckets.length;
  const trainer = new NgramSoftmaxTrainer(matrix, set.labelIds, exampleWeight, classes, features, options);
  const { stopOn, refit } = stoppingRulesOf(options, split.heldOutCount);
  const heldOutLabels = labelsOf(split.heldOut, set.labelIds);
  const bestEpoch = await trainEpochs({
    trainer,
    split,
    heldOutLabels,
    classes,
    stopOn,
    options,
    random,
    hooks,
  });
  let temperature = 1;
  if (split.heldOutCount > 0) {
    temperature = fitLogitTemperature(trainer.logitsOf(split.heldOut), heldOutLabels, classes);
    if (refit) {
      // The held-out rows chose the epoch count and the temperature; now learn from them too.
      hooks.signal?.throwIfAborted();
      await retrain(trainer, split.order, bestEpoch, random, hooks.signal);
    }
  }
  return new NgramLinearModel({
    labels: [...set.labels],
    settings: featureSettingsOf(options),
    featureBuckets: matrix.featureBuckets,
    featureIdf: matrix.featureIdf,
    unseenIdf: matrix.unseenIdf,
    weights: trainer.weights,
    bias: trainer.bias,
    temperature,
    trainingExamples: count,
    epochs: bestEpoch,
  });
}

/** The rows in a seeded random order: the first `heldOutCount` held out, the rest trained on. */
interface HeldOutSplit {
  order: Int32Array;
  heldOutCount: number;
  heldOut: Int32Array;
  training: Int32Array;
}

/** Shuffles the rows and holds out `heldOutFraction` of them (none when that is under MIN_HELD_OUT rows). */
function splitHeldOut(count: number, heldOutFraction: number, random: () => number): HeldOutSplit {
  const order = new Int32Array(count).map((_, index) => index);
  shuffleInPlace(order, random);
  const heldOutCount =
    Math.floor(count * heldOutFraction) >= MIN_HELD_OUT ? Math.floor(count * heldOutFraction) : 0;
  return { order, heldOutCount, heldOut: order.slice(0, heldOutCount), training: order.slice(heldOutCount) };
}

/** Each row's weight: its example weight times its class's weight. */
function exampleWeightsOf(set: TrainingSet, options: NgramLinearOptions): Float32Array {
  const count = set.texts.length;
  const exampleWeight = new Float32Array(count);
  for (let index = 0; index < count; index++) {
    exampleWeight[index] =
      (set.exampleWeights?.[index] ?? 1) * (options.classWeights?.[set.labelIds[index]!] ?? 1);
  }
  return exampleWeight;
}

type StopOn = Exclude<NgramLinearOptions["stopOn"], "auto">;

/**
 * `stopOn` and `refit` with "auto" resolved. Fewer than REFIT_BELOW_HELD_OUT held-out rows choose
 * an epoch count by noise (imdb's 57 held-out rows picked anything from 1 to 8 across folds):
 * "auto" then trains the full maxEpochs, keeps the held-out rows for the temperature only, and
 * refits on all rows.
 */
function stoppingRulesOf(
  options: NgramLinearOptions,
  heldOutCount: number,
): { stopOn: StopOn; refit: boolean } {
  const smallHeldOut = heldOutCount < REFIT_BELOW_HELD_OUT;
  const stopOn = options.stopOn === "auto" ? (smallHeldOut ? "none" : "calibrated-loss") : options.stopOn;
  const refit = options.refit === "auto" ? smallHeldOut : options.refit;
  return { stopOn, refit };
}

/**
 * Trains up to maxEpochs passes over the training rows (reshuffled each pass), stopping early
 * once the held-out score has not improved for `patience` epochs; leaves the best epoch's weights
 * in the trainer and returns that epoch. Yields to the event loop between epochs.
 */
async function trainEpochs(run: {
  trainer: NgramSoftmaxTrainer;
  split: HeldOutSplit;
  heldOutLabels: Int32Array;
  classes: number;
  stopOn: StopOn;
  options: NgramLinearOptions;
  random: () => number;
  hooks: TrainHooks;
}): Promise<number> {
  const { trainer, split, heldOutLabels, classes, stopOn, options, random, hooks } = run;
  let bestEpoch = 0;
  let bestScore = Number.NEGATIVE_INFINITY;
  let bestWeights: Float32Array | undefined;
  let bestBias: Float32Array | undefined;
  for (let epoch = 1; epoch <= options.maxEpochs; epoch++) {
    hooks.signal?.throwIfAborted();
    shuffleInPlace(split.training, random);
    trainer.epoch(split.training, epoch);
    hooks.onProgress?.({ stage: "train", done: epoch, total: options.maxEpochs });
    if (split.heldOutCount === 0 || stopOn === "none") {
      bestEpoch = epoch;
      await new Promise((resolve) => setImmediate(resolve));
      continue;
    }
    const score = heldOutScore(trainer.logitsOf(split.heldOut), heldOutLabels, classes, stopOn);
    if (score > bestScore) {
      bestScore = score;
      bestEpoch = epoch;
      bestWeights = copyInto(bestWeights, trainer.weights);
      bestBias = copyInto(bestBias, trainer.bias);
    } else if (epoch - bestEpoch >= options.patience) {
      hooks.onProgress?.({ stage: "train", done: options.maxEpochs, total: options.maxEpochs });
      break;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (bestWeights !== undefined && bestBias !== undefined) {
    trainer.weights.set(bestWeights);
    trainer.bias.set(bestBias);
  }
  return bestEpoch;
}

/**
 * How good the held-out predictions are, higher is better: accuracy (ties broken by a tiny share
 * of the log-loss), or minus the log-loss at its best temperature — smooth, unlike accuracy on a
 * few rows, and blind to the over-confidence that temperature scaling removes afterwards anyway.
 */
function heldOutScore(
  logits: Float32Array,
  labelIds: Int32Array,
  classes: number,
  stopOn: "accuracy" | "calibrated-loss",
): number {
  if (stopOn === "calibrated-loss") {
    return -negativeLogLikelihood(logits, labelIds, classes, fitLogitTemperature(logits, labelIds, classes));
  }
  let correct = 0;
  labelIds.forEach((label, row) => {
    const base = row * classes;
    let best = 0;
    for (let k = 1; k < classes; k++) if (logits[base + k]! > logits[base + best]!) best = k;
    if (best === label) correct++;
  });
  return correct / labelIds.length - 1e-6 * negativeLogLikelihood(logits, labelIds, classes, 1);
}

/** Trains from scratch for `epochs` passes over `rows`, leaving the weights in `trainer`. */
async function retrain(
  trainer: NgramSoftmaxTrainer,
  rows: Int32Array,
  epochs: number,
  random: () => number,
  signal: AbortSignal | undefined,
): Promise<void> {
  trainer.reset();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    signal?.throwIfAborted();
    trainer.epoch(shuffled(rows, random), epoch);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function shuffled(values: Int32Array, random: () => number): Int32Array {
  shuffleInPlace(values, random);
  return values;
}

function copyInto(target: Float32Array | undefined, source: Float32Array): Float32Array {
  const copy = target ?? new Float32Array(source.length);
  copy.set(source);
  return copy;
}

function labelsOf(rows: Int32Array, labelIds: Int32Array): Int32Array {
  return rows.map((row) => labelIds[row]!);
}
