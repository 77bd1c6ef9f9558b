import { UsageError } from "../spec/errors/usage-error.js";
import { EmbeddingLinearModel } from "./embedding-linear-model.js";

/**
 * One `embedding-linear` model whose logits are the mean of the members' temperature-scaled logits
 * (weights W_k/T_k and biases b_k/T_k averaged; temperature 1): exact, since the models are linear
 * in the same input. Throws UsageError for no models, or models of other labels or dimensions.
 */
export function averageEmbeddingLinearModels(models: readonly EmbeddingLinearModel[]): EmbeddingLinearModel {
  const first = models[0];
  if (first === undefined) throw new UsageError("no embedding-linear models to average");
  const labels = JSON.stringify(first.labels);
  for (const model of models) {
    if (JSON.stringify(model.labels) !== labels || model.dimensions !== first.dimensions) {
      throw new UsageError("cannot average embedding-linear models of other labels or dimensions");
    }
  }
  const classes = first.labels.length;
  const weightSum = new Float64Array(classes * first.dimensions);
  const biasSum = new Float64Array(classes);
  let trainingExamples = 0;
  let epochs = 0;
  let l2 = 0;
  for (const { parts } of models) {
    const inverseTemperature = 1 / parts.temperature;
    for (let index = 0; index < weightSum.length; index++) {
      weightSum[index]! += parts.weights[index]! * inverseTemperature;
    }
    for (let k = 0; k < classes; k++) biasSum[k]! += parts.bias[k]! * inverseTemperature;
    trainingExamples = Math.max(trainingExamples, parts.trainingExamples);
    epochs = Math.max(epochs, parts.epochs);
    l2 += parts.l2 / models.length;
  }
  return new EmbeddingLinearModel({
    labels: [...first.labels],
    dimensions: first.dimensions,
    weights: Float32Array.from(weightSum, (value) => value / models.length),
    bias: Float32Array.from(biasSum, (value) => value / models.length),
    temperature: 1,
    trainingExamples,
    epochs,
    l2,
  });
}
