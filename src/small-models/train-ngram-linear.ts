import { fitLogitTemperature, negativeLogLikelihood } from "../learners/logit-temperature.js";
import { softmaxInto } from "../learners/softmax.js";
import { UsageError } from "../spec/errors/usage-error.js";
import type { ProgressListener } from "../spec/logger.js";
import type { TrainingSet } from "../spec/small-model.js";
import { createSeededRandom, shuffleInPlace } from "../util/seeded-random.js";
import { averageNgramLinearModels } from "./average-ngram-linear-models.js";
import { applyClassRatioWeighting } from "./class-ratio-weighting.js";
import { extractFeatures, type FeatureMatrix } from "./feature-matrix.js";
import { NgramLinearModel } from "./ngram-linear-model.js";
import {
  featureSettingsOf,
  type NgramLinearOptions,
  type NgramLinearOptionsInput,
  ngramLinearOptionsSchema,
} from "./ngram-linear-options.js";
import { scoreSparseRow } from "./sparse-scores.js";
import { validateTrainingSet } from "./validate-training-set.js";

/** Progress reporting and cancellation for a training run. */
export interface TrainHooks {
  onProgress?: ProgressListener;
  signal?: AbortSignal;
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
  const matrix = extractFeatures(set.texts, options, hooks.onProgress);
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

  const order = new Int32Array(count).map((_, index) => index);
  shuffleInPlace(order, random);
  const heldOutCount =
    Math.floor(count * options.heldOutFraction) >= MIN_HELD_OUT
      ? Math.floor(count * options.heldOutFraction)
      : 0;
  const heldOut = order.slice(0, heldOutCount);
  const training = order.slice(heldOutCount);

  const exampleWeight = new Float32Array(count);
  for (let index = 0; index < count; index++) {
    exampleWeight[index] =
      (set.exampleWeights?.[index] ?? 1) * (options.classWeights?.[set.labelIds[index]!] ?? 1);
  }

  if (options.classRatioWeighting) {
    applyClassRatioWeighting(
      matrix,
      set.labelIds,
      classes,
      training,
      exampleWeight,
      options.classRatioPower,
      options.classRatioSmoothing,
    );
  }
  const features = matrix.featureBuckets.length;
  const trainer = new SoftmaxTrainer(matrix, set.labelIds, exampleWeight, classes, features, options);
  // Fewer than REFIT_BELOW_HELD_OUT held-out rows choose an epoch count by noise (imdb's 57
  // held-out rows picked anything from 1 to 8 across folds): "auto" then trains the full
  // maxEpochs, keeps the held-out rows for the temperature only, and refits on all rows.
  const smallHeldOut = heldOutCount < REFIT_BELOW_HELD_OUT;
  const stopOn = options.stopOn === "auto" ? (smallHeldOut ? "none" : "calibrated-loss") : options.stopOn;
  const refit = options.refit === "auto" ? smallHeldOut : options.refit;
  let bestEpoch = 0;
  let bestScore = Number.NEGATIVE_INFINITY;
  const heldOutLabels = labelsOf(heldOut, set.labelIds);
  let bestWeights: Float32Array | undefined;
  let bestBias: Float32Array | undefined;
  for (let epoch = 1; epoch <= options.maxEpochs; epoch++) {
    hooks.signal?.throwIfAborted();
    shuffleInPlace(training, random);
    trainer.epoch(training, epoch);
    hooks.onProgress?.({ stage: "train", done: epoch, total: options.maxEpochs });
    if (heldOutCount === 0 || stopOn === "none") {
      bestEpoch = epoch;
      await new Promise((resolve) => setImmediate(resolve));
      continue;
    }
    const score = heldOutScore(trainer.logitsOf(heldOut), heldOutLabels, classes, stopOn);
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
  bestWeights = undefined;
  let temperature = 1;
  if (heldOutCount > 0) {
    temperature = fitLogitTemperature(trainer.logitsOf(heldOut), heldOutLabels, classes);
    if (refit) {
      // The held-out rows chose the epoch count and the temperature; now learn from them too.
      hooks.signal?.throwIfAborted();
      await retrain(trainer, order, bestEpoch, random, hooks.signal);
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
  trainer: SoftmaxTrainer,
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

/** The softmax regression's weights and its sparse AdaGrad/SGD updates over the feature matrix. */
class SoftmaxTrainer {
  weights: Float32Array;
  bias: Float32Array;
  private squaredGradients: Float32Array;
  private biasSquaredGradients: Float32Array;
  private readonly scores: Float64Array;
  private readonly gradient: Float64Array;
  private readonly active: Int32Array;

  constructor(
    private readonly matrix: FeatureMatrix,
    private readonly labelIds: Int32Array,
    private readonly exampleWeight: Float32Array,
    private readonly classes: number,
    features: number,
    private readonly options: NgramLinearOptions,
  ) {
    this.weights = new Float32Array(features * classes);
    this.bias = new Float32Array(classes);
    this.squaredGradients = new Float32Array(options.optimizer === "adagrad" ? features * classes : 0);
    this.biasSquaredGradients = new Float32Array(classes);
    this.scores = new Float64Array(classes);
    this.gradient = new Float64Array(classes);
    this.active = new Int32Array(classes);
  }

  reset(): void {
    this.weights.fill(0);
    this.bias.fill(0);
    this.squaredGradients.fill(0);
    this.biasSquaredGradients.fill(0);
  }

  epoch(rows: Int32Array, epoch: number): void {
    const { rowStart, columns, values } = this.matrix;
    const { weights, bias, squaredGradients, biasSquaredGradients, classes } = this;
    const scores = this.scores;
    const gradient = this.gradient;
    const active = this.active;
    const adagrad = this.options.optimizer === "adagrad";
    const l2 = this.options.l2;
    const floor = this.options.gradientFloor;
    const learningRate = adagrad ? this.options.learningRate : this.options.learningRate / Math.sqrt(epoch);
    for (let position = 0; position < rows.length; position++) {
      const example = rows[position]!;
      const weight = this.exampleWeight[example]!;
      if (weight === 0) continue;
      const start = rowStart[example]!;
      const end = rowStart[example + 1]!;
      this.scoreRow(start, end, scores);
      softmaxInto(scores, classes, 1, scores);
      const label = this.labelIds[example]!;
      // Only the classes with a gradient above options.gradientFloor are updated: with 77 labels most
      // probabilities are ~0 after the first epoch, so this keeps an update at a few classes.
      let activeCount = 0;
      for (let k = 0; k < classes; k++) {
        const step = weight * (scores[k]! - (k === label ? 1 : 0));
        if (step > floor || step < -floor) {
          gradient[activeCount] = step;
          active[activeCount++] = k;
        }
      }
      for (let slot = 0; slot < activeCount; slot++) {
        const k = active[slot]!;
        const step = gradient[slot]!;
        if (adagrad) {
          biasSquaredGradients[k]! += step * step;
          bias[k]! -= (learningRate * step) / (Math.sqrt(biasSquaredGradients[k]!) + 1e-8);
        } else bias[k]! -= learningRate * step;
      }
      for (let entry = start; entry < end; entry++) {
        const value = values[entry]!;
        const base = columns[entry]! * classes;
        for (let slot = 0; slot < activeCount; slot++) {
          const index = base + active[slot]!;
          const step = gradient[slot]! * value + l2 * weights[index]!;
          if (adagrad) {
            const accumulated = squaredGradients[index]! + step * step;
            squaredGradients[index] = accumulated;
            weights[index]! -= (learningRate * step) / (Math.sqrt(accumulated) + 1e-8);
          } else weights[index]! -= learningRate * step;
        }
      }
    }
  }

  logitsOf(rows: Int32Array): Float32Array {
    const { scores, classes, weights, bias } = this;
    const { rowStart, columns, values } = this.matrix;
    const logits = new Float32Array(rows.length * classes);
    rows.forEach((example, row) => {
      const start = rowStart[example]!;
      scoreSparseRow(weights, bias, classes, columns, values, start, rowStart[example + 1]!, scores);
      for (let k = 0; k < classes; k++) logits[row * classes + k] = scores[k]!;
    });
    return logits;
  }

  private scoreRow(start: number, end: number, scores: Float64Array): void {
    const { columns, values } = this.matrix;
    scoreSparseRow(this.weights, this.bias, this.classes, columns, values, start, end, scores);
  }
}
