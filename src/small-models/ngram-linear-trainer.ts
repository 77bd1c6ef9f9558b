import { softmaxInto } from "../learners/softmax.js";
import type { FeatureMatrix } from "./feature-matrix.js";
import type { NgramLinearOptions } from "./ngram-linear-options.js";
import { scoreSparseRow } from "./sparse-scores.js";

/** The softmax regression's weights and its sparse AdaGrad/SGD updates over the feature matrix. */
export class NgramSoftmaxTrainer {
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

  /** Back to zero weights and fresh AdaGrad accumulators. */
  reset(): void {
    this.weights.fill(0);
    this.bias.fill(0);
    this.squaredGradients.fill(0);
    this.biasSquaredGradients.fill(0);
  }

  /** One pass over `rows` in their order (SGD's rate decays with `epoch`). */
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
      if (adagrad && activeCount === 2) this.adagradPair(start, end, learningRate);
      else if (adagrad) this.adagradEach(start, end, activeCount, learningRate);
      else {
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
  }

  /**
   * The AdaGrad update of entries [start, end), one active class at a time: each weight is
   * updated once per row, so this order gives the general loop's values exactly.
   */
  private adagradEach(start: number, end: number, activeCount: number, learningRate: number): void {
    const { columns, values } = this.matrix;
    const { weights, squaredGradients, classes } = this;
    const l2 = this.options.l2;
    for (let slot = 0; slot < activeCount; slot++) {
      const k = this.active[slot]!;
      const gradient = this.gradient[slot]!;
      for (let entry = start; entry < end; entry++) {
        const index = columns[entry]! * classes + k;
        const step = gradient * values[entry]! + l2 * weights[index]!;
        const accumulated = squaredGradients[index]! + step * step;
        squaredGradients[index] = accumulated;
        weights[index]! -= (learningRate * step) / (Math.sqrt(accumulated) + 1e-8);
      }
    }
  }

  /**
   * The AdaGrad update of entries [start, end) for exactly two active classes (every row of a
   * two-label set): the general loop's arithmetic, step for step, with the two gradients in locals.
   */
  private adagradPair(start: number, end: number, learningRate: number): void {
    const { columns, values } = this.matrix;
    const { weights, squaredGradients, classes } = this;
    const l2 = this.options.l2;
    const first = this.active[0]!;
    const second = this.active[1]!;
    const firstGradient = this.gradient[0]!;
    const secondGradient = this.gradient[1]!;
    for (let entry = start; entry < end; entry++) {
      const value = values[entry]!;
      const base = columns[entry]! * classes;
      const index = base + first;
      const step = firstGradient * value + l2 * weights[index]!;
      const accumulated = squaredGradients[index]! + step * step;
      squaredGradients[index] = accumulated;
      weights[index]! -= (learningRate * step) / (Math.sqrt(accumulated) + 1e-8);
      const other = base + second;
      const otherStep = secondGradient * value + l2 * weights[other]!;
      const otherAccumulated = squaredGradients[other]! + otherStep * otherStep;
      squaredGradients[other] = otherAccumulated;
      weights[other]! -= (learningRate * otherStep) / (Math.sqrt(otherAccumulated) + 1e-8);
    }
  }

  /** The current logits of `rows`, `classes` per row. */
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
