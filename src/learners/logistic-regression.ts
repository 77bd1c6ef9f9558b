import { z } from "zod";

/**
 * A small L2-regularised, example-weighted binary logistic regression on dense features,
 * fitted by Newton's method (the feature count is small: a handful to a few dozen).
 * Features are standardised internally; the snapshot stores the means and scales.
 */
export interface LogisticModel {
  means: number[];
  scales: number[];
  weights: number[];
  bias: number;
}

export const logisticModelSchema = z.object({
  means: z.array(z.number()),
  scales: z.array(z.number()),
  weights: z.array(z.number()),
  bias: z.number(),
});

export interface LogisticTrainingOptions {
  /** L2 penalty on the standardised weights, scaled by the total example weight. */
  l2: number;
  iterations?: number;
}

/** `features` is row-major: `rowCount × featureCount`. */
export function fitLogistic(
  features: Float64Array,
  featureCount: number,
  targets: Float64Array,
  exampleWeights: Float64Array | undefined,
  options: LogisticTrainingOptions,
): LogisticModel {
  const rowCount = targets.length;
  let totalWeight = 0;
  for (let row = 0; row < rowCount; row += 1) totalWeight += exampleWeights?.[row] ?? 1;
  if (totalWeight <= 0) totalWeight = 1;
  const { means, scales } = weightedStandardisation(
    features,
    featureCount,
    exampleWeights,
    rowCount,
    totalWeight,
  );
  const size = featureCount + 1; // last coefficient is the bias
  const coefficients = new Float64Array(size);
  // Start the bias at the weighted base rate's log-odds.
  let positive = 0;
  for (let row = 0; row < rowCount; row += 1) positive += (exampleWeights?.[row] ?? 1) * (targets[row] ?? 0);
  const baseRate = Math.min(Math.max(positive / totalWeight, 1e-4), 1 - 1e-4);
  coefficients[featureCount] = Math.log(baseRate / (1 - baseRate));
  const penalty = options.l2 * totalWeight;
  const problem: LogisticProblem = { features, featureCount, targets, exampleWeights, means, scales };
  const system: NewtonSystem = {
    gradient: new Float64Array(size),
    hessian: new Float64Array(size * size),
    standardised: new Float64Array(size),
  };
  const iterations = options.iterations ?? 25;
  for (let iteration = 0; iteration < iterations; iteration += 1) {
    accumulateNewtonSystem(problem, coefficients, system);
    penaliseNewtonSystem(system, coefficients, featureCount, penalty);
    const step = solveSymmetric(system.hessian, system.gradient, size);
    let largest = 0;
    for (let index = 0; index < size; index += 1) {
      coefficients[index] = (coefficients[index] ?? 0) - (step[index] ?? 0);
      largest = Math.max(largest, Math.abs(step[index] ?? 0));
    }
    if (largest < 1e-7) break;
  }
  return {
    means,
    scales,
    weights: Array.from(coefficients.subarray(0, featureCount)),
    bias: coefficients[featureCount] ?? 0,
  };
}

/** Per feature, the weighted mean and standard deviation (1 for a constant feature). */
function weightedStandardisation(
  features: Float64Array,
  featureCount: number,
  exampleWeights: Float64Array | undefined,
  rowCount: number,
  totalWeight: number,
): { means: number[]; scales: number[] } {
  const means = new Array<number>(featureCount).fill(0);
  const scales = new Array<number>(featureCount).fill(1);
  for (let feature = 0; feature < featureCount; feature += 1) {
    let sum = 0;
    for (let row = 0; row < rowCount; row += 1) {
      sum += (exampleWeights?.[row] ?? 1) * (features[row * featureCount + feature] ?? 0);
    }
    const mean = sum / totalWeight;
    let squares = 0;
    for (let row = 0; row < rowCount; row += 1) {
      const delta = (features[row * featureCount + feature] ?? 0) - mean;
      squares += (exampleWeights?.[row] ?? 1) * delta * delta;
    }
    const deviation = Math.sqrt(squares / totalWeight);
    means[feature] = mean;
    scales[feature] = deviation > 1e-9 ? deviation : 1;
  }
  return { means, scales };
}

/** The data of one fit, with the standardisation of its features. */
interface LogisticProblem {
  features: Float64Array;
  featureCount: number;
  targets: Float64Array;
  exampleWeights: Float64Array | undefined;
  means: number[];
  scales: number[];
}

/** The Newton step's gradient and Hessian (`size × size`, bias last), and one standardised row's buffer. */
interface NewtonSystem {
  gradient: Float64Array;
  hessian: Float64Array;
  standardised: Float64Array;
}

/**
 * Fills the gradient and the upper triangle of the Hessian of the weighted log-loss at
 * `coefficients`, one row at a time (no allocation per row).
 */
function accumulateNewtonSystem(
  problem: LogisticProblem,
  coefficients: Float64Array,
  system: NewtonSystem,
): void {
  const { features, featureCount, targets, exampleWeights, means, scales } = problem;
  const { gradient, hessian, standardised } = system;
  const rowCount = targets.length;
  const size = featureCount + 1;
  gradient.fill(0);
  hessian.fill(0);
  for (let row = 0; row < rowCount; row += 1) {
    for (let feature = 0; feature < featureCount; feature += 1) {
      standardised[feature] =
        ((features[row * featureCount + feature] ?? 0) - (means[feature] ?? 0)) / (scales[feature] ?? 1);
    }
    standardised[featureCount] = 1;
    let linear = 0;
    for (let index = 0; index < size; index += 1) {
      linear += (coefficients[index] ?? 0) * (standardised[index] ?? 0);
    }
    const probability = sigmoid(linear);
    const weight = exampleWeights?.[row] ?? 1;
    const residual = weight * (probability - (targets[row] ?? 0));
    const curvature = weight * Math.max(probability * (1 - probability), 1e-9);
    for (let left = 0; left < size; left += 1) {
      const leftValue = standardised[left] ?? 0;
      gradient[left] = (gradient[left] ?? 0) + residual * leftValue;
      for (let right = left; right < size; right += 1) {
        hessian[left * size + right] =
          (hessian[left * size + right] ?? 0) + curvature * leftValue * (standardised[right] ?? 0);
      }
    }
  }
}

/**
 * Mirrors the Hessian's upper triangle into the lower one and adds the L2 penalty on the weights
 * (not the bias, which gets a 1e-6 ridge for stability).
 */
function penaliseNewtonSystem(
  system: NewtonSystem,
  coefficients: Float64Array,
  featureCount: number,
  penalty: number,
): void {
  const { gradient, hessian } = system;
  const size = featureCount + 1;
  for (let left = 0; left < size; left += 1) {
    for (let right = 0; right < left; right += 1) {
      hessian[left * size + right] = hessian[right * size + left] ?? 0;
    }
  }
  for (let feature = 0; feature < featureCount; feature += 1) {
    gradient[feature] = (gradient[feature] ?? 0) + penalty * (coefficients[feature] ?? 0);
    hessian[feature * size + feature] = (hessian[feature * size + feature] ?? 0) + penalty;
  }
  hessian[featureCount * size + featureCount] = (hessian[featureCount * size + featureCount] ?? 0) + 1e-6;
}

export function predictLogistic(model: LogisticModel, features: ArrayLike<number>, offset = 0): number {
  let linear = model.bias;
  for (let feature = 0; feature < model.weights.length; feature += 1) {
    linear +=
      (model.weights[feature] ?? 0) *
      (((features[offset + feature] ?? 0) - (model.means[feature] ?? 0)) / (model.scales[feature] ?? 1));
  }
  return sigmoid(linear);
}

export function sigmoid(value: number): number {
  if (value >= 0) return 1 / (1 + Math.exp(-value));
  const exponential = Math.exp(value);
  return exponential / (1 + exponential);
}

/** Solves `matrix · x = vector` by Gaussian elimination with partial pivoting (small systems). */
function solveSymmetric(matrix: Float64Array, vector: Float64Array, size: number): Float64Array {
  const work = Float64Array.from(matrix);
  const result = Float64Array.from(vector);
  for (let column = 0; column < size; column += 1) {
    let pivot = column;
    for (let row = column + 1; row < size; row += 1) {
      if (Math.abs(work[row * size + column] ?? 0) > Math.abs(work[pivot * size + column] ?? 0)) pivot = row;
    }
    if (pivot !== column) {
      for (let index = 0; index < size; index += 1) {
        const held = work[column * size + index] ?? 0;
        work[column * size + index] = work[pivot * size + index] ?? 0;
        work[pivot * size + index] = held;
      }
      const held = result[column] ?? 0;
      result[column] = result[pivot] ?? 0;
      result[pivot] = held;
    }
    const diagonal = work[column * size + column] ?? 0;
    if (Math.abs(diagonal) < 1e-12) continue;
    for (let row = column + 1; row < size; row += 1) {
      const factor = (work[row * size + column] ?? 0) / diagonal;
      if (factor === 0) continue;
      for (let index = column; index < size; index += 1) {
        work[row * size + index] =
          (work[row * size + index] ?? 0) - factor * (work[column * size + index] ?? 0);
      }
      result[row] = (result[row] ?? 0) - factor * (result[column] ?? 0);
    }
  }
  for (let row = size - 1; row >= 0; row -= 1) {
    let sum = result[row] ?? 0;
    for (let index = row + 1; index < size; index += 1)
      sum -= (work[row * size + index] ?? 0) * (result[index] ?? 0);
    const diagonal = work[row * size + row] ?? 0;
    result[row] = Math.abs(diagonal) < 1e-12 ? 0 : sum / diagonal;
  }
  return result;
}
