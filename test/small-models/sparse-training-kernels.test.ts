import { describe, expect, it } from "vitest";
import type { FeatureMatrix } from "../../src/small-models/feature-matrix.js";
import { ngramLinearOptionsSchema } from "../../src/small-models/ngram-linear-options.js";
import { NgramSoftmaxTrainer } from "../../src/small-models/ngram-linear-trainer.js";
import { scoreSparseRow } from "../../src/small-models/sparse-scores.js";
import { createSeededRandom } from "../../src/util/seeded-random.js";

/** A random sparse matrix: each row holds distinct features, values as Float32. */
function randomMatrix(rows: number, features: number, random: () => number): FeatureMatrix {
  const rowStart = new Int32Array(rows + 1);
  const columns: number[] = [];
  const values: number[] = [];
  for (let row = 0; row < rows; row++) {
    const chosen = new Set<number>();
    const size = 1 + Math.floor(random() * 30);
    while (chosen.size < size) chosen.add(Math.floor(random() * features));
    for (const column of chosen) {
      columns.push(column);
      values.push(random() - 0.3);
    }
    rowStart[row + 1] = columns.length;
  }
  return {
    rowStart,
    columns: Int32Array.from(columns),
    values: Float32Array.from(values),
    featureBuckets: new Int32Array(features).map((_, index) => index),
    featureIdf: new Float32Array(features).fill(1),
    unseenIdf: 1,
  };
}

/** The plain definition: one sum per class, entries in order, starting from the bias. */
function referenceScores(
  weights: Float32Array,
  bias: Float32Array,
  classes: number,
  matrix: FeatureMatrix,
  row: number,
) {
  const scores = new Float64Array(classes);
  for (let k = 0; k < classes; k++) {
    let score = bias[k]!;
    for (let entry = matrix.rowStart[row]!; entry < matrix.rowStart[row + 1]!; entry++)
      score += matrix.values[entry]! * weights[matrix.columns[entry]! * classes + k]!;
    scores[k] = score;
  }
  return scores;
}

/** The plain AdaGrad epoch (the trainer's arithmetic before its loops were specialised). */
function referenceEpoch(
  matrix: FeatureMatrix,
  labels: Int32Array,
  classes: number,
  state: { weights: Float32Array; bias: Float32Array; squared: Float32Array; biasSquared: Float32Array },
) {
  const { weights, bias, squared, biasSquared } = state;
  const scores = new Float64Array(classes);
  for (let row = 0; row < labels.length; row++) {
    const start = matrix.rowStart[row]!;
    const end = matrix.rowStart[row + 1]!;
    scores.set(referenceScores(weights, bias, classes, matrix, row));
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < classes; k++) if (scores[k]! > max) max = scores[k]!;
    let sum = 0;
    for (let k = 0; k < classes; k++) {
      scores[k] = Math.exp(scores[k]! - max);
      sum += scores[k]!;
    }
    for (let k = 0; k < classes; k++) scores[k]! /= sum;
    const active: [number, number][] = [];
    for (let k = 0; k < classes; k++) {
      const step = scores[k]! - (k === labels[row] ? 1 : 0);
      if (step > 0.01 || step < -0.01) active.push([k, step]);
    }
    for (const [k, step] of active) {
      biasSquared[k]! += step * step;
      bias[k]! -= (0.1 * step) / (Math.sqrt(biasSquared[k]!) + 1e-8);
    }
    for (let entry = start; entry < end; entry++) {
      for (const [k, gradient] of active) {
        const index = matrix.columns[entry]! * classes + k;
        const step = gradient * matrix.values[entry]! + 1e-6 * weights[index]!;
        const accumulated = squared[index]! + step * step;
        squared[index] = accumulated;
        weights[index]! -= (0.1 * step) / (Math.sqrt(accumulated) + 1e-8);
      }
    }
  }
}

describe("sparse training kernels", () => {
  it("score every class count exactly as the per-class sums", () => {
    const random = createSeededRandom(3);
    for (const classes of [1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 16, 77]) {
      const matrix = randomMatrix(20, 50, random);
      const weights = new Float32Array(50 * classes).map(() => random() - 0.5);
      const bias = new Float32Array(classes).map(() => random() - 0.5);
      const scores = new Float64Array(classes);
      for (let row = 0; row < 20; row++) {
        scoreSparseRow(
          weights,
          bias,
          classes,
          matrix.columns,
          matrix.values,
          matrix.rowStart[row]!,
          matrix.rowStart[row + 1]!,
          scores,
        );
        expect(Array.from(scores)).toEqual(Array.from(referenceScores(weights, bias, classes, matrix, row)));
      }
    }
  });

  it("train AdaGrad epochs bit for bit as the plain update, for two and for many classes", () => {
    for (const classes of [2, 3, 9]) {
      const random = createSeededRandom(classes);
      const matrix = randomMatrix(60, 40, random);
      const labels = new Int32Array(60).map(() => Math.floor(random() * classes));
      const options = ngramLinearOptionsSchema.parse({});
      const trainer = new NgramSoftmaxTrainer(
        matrix,
        labels,
        new Float32Array(60).fill(1),
        classes,
        40,
        options,
      );
      const state = {
        weights: new Float32Array(40 * classes),
        bias: new Float32Array(classes),
        squared: new Float32Array(40 * classes),
        biasSquared: new Float32Array(classes),
      };
      const rows = new Int32Array(60).map((_, index) => index);
      for (let epoch = 1; epoch <= 3; epoch++) {
        trainer.epoch(rows, epoch);
        referenceEpoch(matrix, labels, classes, state);
      }
      expect(Array.from(trainer.weights)).toEqual(Array.from(state.weights));
      expect(Array.from(trainer.bias)).toEqual(Array.from(state.bias));
    }
  });
});
