import { fitLogitTemperature, negativeLogLikelihood } from "../learners/logit-temperature.js";
import { UsageError } from "../spec/errors/usage-error.js";
import { createSeededRandom, shuffleInPlace } from "../util/seeded-random.js";
import { EmbeddingLinearModel } from "./embedding-linear-model.js";
import {
  type EmbeddingLinearOptions,
  type EmbeddingLinearOptionsInput,
  embeddingLinearOptionsSchema,
} from "./embedding-linear-options.js";
import { EmbeddingSoftmaxTrainer } from "./embedding-linear-trainer.js";
import { type EmbeddingTrainingSet, validateEmbeddingTrainingSet } from "./embedding-linear-training-set.js";
import type { TrainHooks } from "./train-ngram-linear.js";

export { EMBEDDING_LINEAR_KIND } from "./embedding-linear-model.js";
export type { EmbeddingLinearOptionsInput } from "./embedding-linear-options.js";
export type { EmbeddingTrainingSet } from "./embedding-linear-training-set.js";

const MIN_HELD_OUT = 10;
/** The L2 penalty "auto" uses on sets too large (or with too many labels) for its cross-validation. */
const LARGE_SET_L2 = 1e-3;
/** "auto" cross-validates the L2 penalty only up to this many labels (its cost grows with them). */
const AUTO_L2_MAX_CLASSES = 10;
const AUTO_L2_FOLDS = 5;
const MAX_EPOCHS_FOR_MIN_UPDATES = 200;

/**
 * Trains an `embedding-linear` model: a multinomial logistic regression over dense vectors
 * (per-dimension standardised, then folded back so the model reads raw vectors), by minibatch
 * Adam with a linearly decaying rate and L2 (chosen by 5-fold CV on small sets of at most ten
 * labels), per-class and per-row weights. A fixed schedule trains on 90 % of the rows, the other
 * 10 % fit the model's softmax temperature, then a short warm refit over all rows learns from
 * them too. Asynchronous: yields to the event loop between epochs so `signal` can stop it.
 * Deterministic for a given `seed`. Throws UsageError on inconsistent input or options.
 * Figures and the choice of defaults: embedding-linear-options.ts.
 */
export async function trainEmbeddingLinear(
  set: EmbeddingTrainingSet,
  optionsInput: EmbeddingLinearOptionsInput = {},
  hooks: TrainHooks = {},
): Promise<EmbeddingLinearModel> {
  const parsed = embeddingLinearOptionsSchema.safeParse(optionsInput);
  if (!parsed.success) throw new UsageError(`invalid embedding-linear options: ${parsed.error.message}`);
  const options = parsed.data;
  validateEmbeddingTrainingSet(set, options.classWeights);
  const classes = set.labels.length;
  const { dimensions } = set;
  const count = set.labelIds.length;
  const { mean, scale, standardised } = standardise(set.vectors, count, dimensions);
  const exampleWeight = exampleWeightsOf(set, options);
  const random = createSeededRandom(options.seed);
  const order = new Int32Array(count).map((_, index) => index);
  shuffleInPlace(order, random);

  const l2 = await chooseL2(
    options,
    standardised,
    set.labelIds,
    exampleWeight,
    classes,
    dimensions,
    order,
    hooks,
  );
  const trainer = new EmbeddingSoftmaxTrainer(
    standardised,
    set.labelIds,
    exampleWeight,
    classes,
    dimensions,
    {
      ...options,
      l2,
    },
  );
  const heldOutCount = heldOutCountOf(count, options.heldOutFraction);
  const heldOut = order.slice(0, heldOutCount);
  const training = order.slice(heldOutCount);
  const heldOutLabels = heldOut.map((row) => set.labelIds[row]!);
  const epochs = plannedEpochs(options, trainer.batchesPer(training.length));
  const refitEpochs = refitEpochsOf(options, heldOutCount, epochs);
  const totalEpochs = epochs + refitEpochs;
  const progress = (done: number): void => hooks.onProgress?.({ stage: "train", done, total: totalEpochs });

  // A fixed schedule (the learning rate decays linearly to ~0): no early stopping, which never
  // stopped a run on banking77 under this schedule and cost a temperature fit per epoch.
  await runEpochs(trainer, training, epochs, random, hooks.signal, progress, 0);
  let temperature = 1;
  if (heldOutCount > 0) {
    temperature = fitLogitTemperature(trainer.logitsOf(heldOut), heldOutLabels, classes);
    await refitOnAllRows(trainer, order, {
      options,
      epochs,
      refitEpochs,
      random,
      signal: hooks.signal,
      progress,
    });
  }
  const folded = foldStandardisation(trainer.weights, trainer.bias, mean, scale, classes, dimensions);
  return new EmbeddingLinearModel({
    labels: [...set.labels],
    dimensions,
    weights: folded.weights,
    bias: folded.bias,
    temperature,
    trainingExamples: count,
    epochs,
    l2,
  });
}

/** Each row's weight: its example weight times its class's weight. */
function exampleWeightsOf(set: EmbeddingTrainingSet, options: EmbeddingLinearOptions): Float32Array {
  const count = set.labelIds.length;
  const exampleWeight = new Float32Array(count);
  for (let row = 0; row < count; row++) {
    exampleWeight[row] = (set.exampleWeights?.[row] ?? 1) * (options.classWeights?.[set.labelIds[row]!] ?? 1);
  }
  return exampleWeight;
}

/** Rows held out for the temperature: `heldOutFraction` of them, or none below MIN_HELD_OUT. */
function heldOutCountOf(count: number, heldOutFraction: number): number {
  return Math.floor(count * heldOutFraction) >= MIN_HELD_OUT ? Math.floor(count * heldOutFraction) : 0;
}

/** Epochs of the refit over all rows: none without held-out rows or with refit "none", all for "full", a share for "warm". */
function refitEpochsOf(options: EmbeddingLinearOptions, heldOutCount: number, epochs: number): number {
  return heldOutCount === 0 || options.refit === "none"
    ? 0
    : options.refit === "full"
      ? epochs
      : Math.ceil(epochs * options.warmRefitShare);
}

/**
 * The held-out rows fixed the temperature; now learn from them too: "warm" continues from these
 * weights over all rows at a lower rate (better than "full" retraining on banking77, and half
 * its time), "full" retrains from scratch.
 */
async function refitOnAllRows(
  trainer: EmbeddingSoftmaxTrainer,
  order: Int32Array,
  refit: {
    options: EmbeddingLinearOptions;
    epochs: number;
    refitEpochs: number;
    random: () => number;
    signal: AbortSignal | undefined;
    progress: (done: number) => void;
  },
): Promise<void> {
  const { options, epochs, refitEpochs, random, signal, progress } = refit;
  if (options.refit === "warm") {
    await runEpochs(
      trainer,
      order.slice(),
      refitEpochs,
      random,
      signal,
      progress,
      epochs,
      options.warmRefitRate,
    );
  } else if (options.refit === "full") {
    await runEpochs(trainer, order.slice(), refitEpochs, random, signal, progress, epochs);
  }
}

/**
 * `epochs` passes over `rows` (reshuffled each pass), yielding between them: from zero weights, or
 * with `warmRate` from the current ones at `warmRate` × the learning rate.
 */
async function runEpochs(
  trainer: EmbeddingSoftmaxTrainer,
  rows: Int32Array,
  epochs: number,
  random: () => number,
  signal: AbortSignal | undefined,
  progress: (done: number) => void,
  doneBefore: number,
  warmRate?: number,
): Promise<void> {
  trainer.reset(epochs * trainer.batchesPer(rows.length), warmRate !== undefined, warmRate ?? 1);
  for (let epoch = 1; epoch <= epochs; epoch++) {
    signal?.throwIfAborted();
    shuffleInPlace(rows, random);
    trainer.epoch(rows);
    progress(doneBefore + epoch);
    await yieldToEventLoop();
  }
}

/** Epochs to run: `maxEpochs`, or more on small sets so that at least `minUpdates` Adam steps happen. */
function plannedEpochs(options: EmbeddingLinearOptions, batchesPerEpoch: number): number {
  const forUpdates = Math.ceil(options.minUpdates / Math.max(1, batchesPerEpoch));
  return Math.max(options.maxEpochs, Math.min(MAX_EPOCHS_FOR_MIN_UPDATES, forUpdates));
}

/**
 * The L2 penalty: the given number; or for "auto", on sets below `autoL2BelowRows` rows with at
 * most 10 labels, the candidate of `l2Grid` whose 5-fold out-of-fold logits have the lowest
 * log-loss at their best temperature (ties: the first); else 1e-3.
 */
async function chooseL2(
  options: EmbeddingLinearOptions,
  x: Float32Array,
  labelIds: Int32Array,
  exampleWeight: Float32Array,
  classes: number,
  dimensions: number,
  order: Int32Array,
  hooks: TrainHooks,
): Promise<number> {
  if (options.l2 !== "auto") return options.l2;
  const count = labelIds.length;
  if (count >= options.autoL2BelowRows || classes > AUTO_L2_MAX_CLASSES || count < AUTO_L2_FOLDS * 2) {
    return LARGE_SET_L2;
  }
  if (options.l2Grid.length === 1) return options.l2Grid[0]!;
  const random = createSeededRandom(options.seed + 1);
  const outOfFold = new Float32Array(count * classes);
  const orderedLabels = order.map((row) => labelIds[row]!);
  let best = options.l2Grid[0]!;
  let bestLoss = Number.POSITIVE_INFINITY;
  for (const l2 of options.l2Grid) {
    const trainer = new EmbeddingSoftmaxTrainer(x, labelIds, exampleWeight, classes, dimensions, {
      ...options,
      l2,
    });
    for (let fold = 0; fold < AUTO_L2_FOLDS; fold++) {
      const held = order.filter((_, position) => position % AUTO_L2_FOLDS === fold);
      const rest = order.filter((_, position) => position % AUTO_L2_FOLDS !== fold);
      const epochs = plannedEpochs(options, trainer.batchesPer(rest.length));
      trainer.reset(epochs * trainer.batchesPer(rest.length));
      for (let epoch = 1; epoch <= epochs; epoch++) {
        hooks.signal?.throwIfAborted();
        shuffleInPlace(rest, random);
        trainer.epoch(rest);
      }
      const logits = trainer.logitsOf(held);
      // Out-of-fold logits stored in `order` position order, to line up with `orderedLabels`.
      let slot = 0;
      for (let position = fold; position < count; position += AUTO_L2_FOLDS) {
        outOfFold.set(logits.subarray(slot * classes, (slot + 1) * classes), position * classes);
        slot++;
      }
      await yieldToEventLoop();
    }
    const loss = negativeLogLikelihood(
      outOfFold,
      orderedLabels,
      classes,
      fitLogitTemperature(outOfFold, orderedLabels, classes),
    );
    if (loss < bestLoss) {
      bestLoss = loss;
      best = l2;
    }
  }
  return best;
}

/** Per-dimension mean and 1/standard deviation (0 for a constant dimension), and the standardised copy. */
function standardise(
  vectors: Float32Array,
  count: number,
  dimensions: number,
): { mean: Float64Array; scale: Float64Array; standardised: Float32Array } {
  const mean = new Float64Array(dimensions);
  const squares = new Float64Array(dimensions);
  for (let row = 0; row < count; row++) {
    const offset = row * dimensions;
    for (let j = 0; j < dimensions; j++) {
      const value = vectors[offset + j]!;
      mean[j]! += value;
      squares[j]! += value * value;
    }
  }
  const scale = new Float64Array(dimensions);
  for (let j = 0; j < dimensions; j++) {
    mean[j] = mean[j]! / count;
    const variance = squares[j]! / count - mean[j]! * mean[j]!;
    scale[j] = variance > 1e-12 ? 1 / Math.sqrt(variance) : 0;
  }
  const standardised = new Float32Array(count * dimensions);
  for (let row = 0; row < count; row++) {
    const offset = row * dimensions;
    for (let j = 0; j < dimensions; j++) {
      standardised[offset + j] = (vectors[offset + j]! - mean[j]!) * scale[j]!;
    }
  }
  return { mean, scale, standardised };
}

/** Weights over raw vectors: W'[k,j] = W[k,j]·scale[j], b'[k] = b[k] − Σ_j W'[k,j]·mean[j]. */
function foldStandardisation(
  weights: Float32Array,
  bias: Float32Array,
  mean: Float64Array,
  scale: Float64Array,
  classes: number,
  dimensions: number,
): { weights: Float32Array; bias: Float32Array } {
  const foldedWeights = new Float32Array(classes * dimensions);
  const foldedBias = new Float32Array(classes);
  for (let k = 0; k < classes; k++) {
    let shift = 0;
    for (let j = 0; j < dimensions; j++) {
      const value = weights[k * dimensions + j]! * scale[j]!;
      foldedWeights[k * dimensions + j] = value;
      shift += value * mean[j]!;
    }
    foldedBias[k] = bias[k]! - shift;
  }
  return { weights: foldedWeights, bias: foldedBias };
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
