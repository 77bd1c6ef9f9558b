import { NgramLinearModel } from "./ngram-linear-model.js";

/**
 * One `ngram-linear` model that answers like the average of several trained on overlapping data
 * (the adapter's cross-fitted fold models) at the cost of one: its logits are the mean of theirs,
 * each divided by its own temperature.
 *
 * A model's logit is Σ_f x_f·w_f·W[f,c] / ‖x ⊙ w‖ + b[c], with w its per-feature weights (idf ×
 * class ratio). The average keeps, per feature, the mean weight w̄_f (a model that never saw the
 * feature counts it with its `unseenIdf`) and W̄[f,c] = mean_k(w_k,f·W_k[f,c] / T_k) / w̄_f, so
 * Σ_f x_f·w̄_f·W̄[f,c] is exactly the mean of the models' numerators. The one approximation: a
 * single norm ‖x ⊙ w̄‖ instead of each model's own — their weights come from folds sharing
 * (K−2)/(K−1) of their rows, so the norms differ by about a percent.
 *
 * `featureShare` keeps, per feature, the share of the models that saw it in training, so that
 * `novelty()` is exactly the mean of the models' novelties (omitted when every model saw every feature).
 *
 * Returns undefined when the models cannot be averaged this way (fewer than two, other labels or
 * other feature settings): the caller then averages their probabilities instead.
 */
export function averageNgramLinearModels(models: readonly unknown[]): NgramLinearModel | undefined {
  const linear = averageableModels(models);
  if (linear === undefined) return undefined;
  const first = linear[0]!.parts;
  const classes = first.labels.length;
  const count = linear.length;
  // The union of the models' feature buckets, ascending.
  const union = mergeSortedBuckets(linear.map(({ parts }) => parts.featureBuckets));
  const sums = sumOverModels(linear, union, classes);
  const { featureIdf, weights } = meanFeatureWeights(sums, count, classes);
  let unseenIdf = 0;
  let trainingExamples = 0;
  let epochs = 0;
  for (const { parts } of linear) {
    unseenIdf += parts.unseenIdf / count;
    trainingExamples = Math.max(trainingExamples, parts.trainingExamples);
    epochs = Math.max(epochs, parts.epochs);
  }
  // Where every model saw every feature (members trained on the same rows), no share is needed.
  const everySeen = sums.seenBy.every((share) => share === 1);
  return new NgramLinearModel({
    labels: first.labels,
    settings: first.settings,
    featureBuckets: union,
    featureIdf,
    featureShare: everySeen ? undefined : sums.seenBy,
    unseenIdf,
    weights,
    bias: sums.bias,
    temperature: 1,
    trainingExamples,
    epochs,
  });
}

/** The models as `NgramLinearModel`s when there are at least two, all with the same labels and feature settings. */
function averageableModels(models: readonly unknown[]): NgramLinearModel[] | undefined {
  if (models.length < 2) return undefined;
  const linear: NgramLinearModel[] = [];
  for (const model of models) {
    if (!(model instanceof NgramLinearModel)) return undefined;
    linear.push(model);
  }
  const first = linear[0]!.parts;
  const settings = JSON.stringify(first.settings);
  const labels = JSON.stringify(first.labels);
  for (const { parts } of linear) {
    if (JSON.stringify(parts.settings) !== settings || JSON.stringify(parts.labels) !== labels)
      return undefined;
  }
  return linear;
}

/** Sums over the models, per bucket of the union, and their mean tempered bias. */
interface ModelSums {
  /** Σ of the feature weights (the model's `unseenIdf` where it never saw the feature). */
  weightSum: Float64Array;
  /** How many models saw each feature (turned into a share by `meanFeatureWeights`). */
  seenBy: Float32Array;
  /** Σ_k w_k,f·W_k[f,c] / T_k, `classes` per bucket. */
  numerator: Float64Array;
  bias: Float32Array;
}

/** Walks each model's ascending buckets alongside the ascending union and sums their parts. */
function sumOverModels(linear: readonly NgramLinearModel[], union: Int32Array, classes: number): ModelSums {
  const count = linear.length;
  const rows = union.length;
  const weightSum = new Float64Array(rows);
  const seenBy = new Float32Array(rows);
  const numerator = new Float64Array(rows * classes);
  const bias = new Float32Array(classes);
  for (const { parts } of linear) {
    const inverseTemperature = 1 / parts.temperature;
    let modelRow = 0;
    for (let row = 0; row < rows; row += 1) {
      if (modelRow < parts.featureBuckets.length && parts.featureBuckets[modelRow] === union[row]) {
        const featureWeight = parts.featureIdf[modelRow]!;
        weightSum[row]! += featureWeight;
        seenBy[row]! += 1;
        const from = modelRow * classes;
        const to = row * classes;
        const scale = featureWeight * inverseTemperature;
        for (let label = 0; label < classes; label += 1)
          numerator[to + label]! += scale * parts.weights[from + label]!;
        modelRow += 1;
      } else {
        weightSum[row]! += parts.unseenIdf;
      }
    }
    for (let label = 0; label < classes; label += 1)
      bias[label]! += (parts.bias[label]! * inverseTemperature) / count;
  }
  return { weightSum, seenBy, numerator, bias };
}

/**
 * The mean feature weight w̄_f and W̄[f,c] = numerator / (count·w̄_f) per bucket; turns `seenBy`
 * into the share of the models that saw each feature, in place.
 */
function meanFeatureWeights(
  sums: ModelSums,
  count: number,
  classes: number,
): { featureIdf: Float32Array; weights: Float32Array } {
  const { weightSum, seenBy, numerator } = sums;
  const rows = weightSum.length;
  const featureIdf = new Float32Array(rows);
  const weights = new Float32Array(rows * classes);
  for (let row = 0; row < rows; row += 1) {
    const meanWeight = weightSum[row]! / count;
    featureIdf[row] = meanWeight;
    seenBy[row] = seenBy[row]! / count;
    const divisor = meanWeight > 0 ? count * meanWeight : 0;
    for (let label = 0; label < classes; label += 1) {
      const offset = row * classes + label;
      weights[offset] = divisor > 0 ? numerator[offset]! / divisor : 0;
    }
  }
  return { featureIdf, weights };
}

/** The ascending union of ascending, duplicate-free bucket lists. */
function mergeSortedBuckets(lists: readonly Int32Array[]): Int32Array {
  let merged = lists[0] ?? new Int32Array(0);
  for (const list of lists.slice(1)) {
    const out = new Int32Array(merged.length + list.length);
    let left = 0;
    let right = 0;
    let size = 0;
    while (left < merged.length || right < list.length) {
      const a = left < merged.length ? merged[left]! : Number.POSITIVE_INFINITY;
      const b = right < list.length ? list[right]! : Number.POSITIVE_INFINITY;
      if (a <= b) {
        out[size++] = a;
        left += 1;
        if (a === b) right += 1;
      } else {
        out[size++] = b;
        right += 1;
      }
    }
    merged = out.slice(0, size);
  }
  return merged;
}
