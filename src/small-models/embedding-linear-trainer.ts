import { scoreDenseRowInto } from "./dense-scores.js";

/** What one softmax-regression run over standardised vectors needs. */
export interface EmbeddingTrainerSettings {
  learningRate: number;
  batchSize: number;
  l2: number;
  gradientFloor: number;
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

/**
 * A multinomial logistic regression trained by minibatch Adam (learning rate decayed linearly over
 * the planned updates) with L2, per-row weights, and class gradients under `gradientFloor` skipped.
 * `x` is row-major rows × dimensions. Buffers are allocated once; an epoch allocates nothing.
 * The optimiser state is Float64 (tiny Float32 moments would fall into slow subnormals).
 */
export class EmbeddingSoftmaxTrainer {
  readonly weights: Float32Array;
  readonly bias: Float32Array;
  private readonly firstMoment: Float64Array;
  private readonly secondMoment: Float64Array;
  private readonly biasFirstMoment: Float64Array;
  private readonly biasSecondMoment: Float64Array;
  private readonly gradient: Float64Array;
  private readonly biasGradient: Float64Array;
  private readonly scores: Float64Array;
  /** Scores of the rows of one batch, row-major batchSize × classes. */
  private readonly batchScores: Float64Array;
  private readonly activeRows: Int32Array;
  private readonly activeSteps: Float64Array;
  private step = 0;
  private plannedUpdates = 1;
  private rateScale = 1;

  constructor(
    private readonly x: Float32Array,
    private readonly labelIds: Int32Array,
    private readonly exampleWeight: Float32Array,
    private readonly classes: number,
    private readonly dimensions: number,
    private readonly settings: EmbeddingTrainerSettings,
  ) {
    const size = classes * dimensions;
    this.weights = new Float32Array(size);
    this.bias = new Float32Array(classes);
    this.firstMoment = new Float64Array(size);
    this.secondMoment = new Float64Array(size);
    this.biasFirstMoment = new Float64Array(classes);
    this.biasSecondMoment = new Float64Array(classes);
    this.gradient = new Float64Array(size);
    this.biasGradient = new Float64Array(classes);
    this.scores = new Float64Array(classes);
    this.batchScores = new Float64Array(settings.batchSize * classes);
    this.activeRows = new Int32Array(settings.batchSize);
    this.activeSteps = new Float64Array(settings.batchSize);
  }

  /**
   * Zero the optimiser state, and the weights unless `keepWeights` (a warm restart); the learning
   * rate starts at `rateScale` × learningRate and decays to ~0 over `plannedUpdates`.
   */
  reset(plannedUpdates: number, keepWeights = false, rateScale = 1): void {
    if (!keepWeights) {
      this.weights.fill(0);
      this.bias.fill(0);
    }
    this.rateScale = rateScale;
    this.firstMoment.fill(0);
    this.secondMoment.fill(0);
    this.biasFirstMoment.fill(0);
    this.biasSecondMoment.fill(0);
    this.step = 0;
    this.plannedUpdates = Math.max(1, plannedUpdates);
  }

  /** Updates per pass over `rowCount` rows. */
  batchesPer(rowCount: number): number {
    return Math.ceil(rowCount / this.settings.batchSize);
  }

  /** One pass over `rows` (already in the order wanted), one Adam update per batch. */
  epoch(rows: Int32Array): void {
    const { batchSize } = this.settings;
    for (let start = 0; start < rows.length; start += batchSize) {
      this.batch(rows, start, Math.min(rows.length, start + batchSize));
    }
  }

  /** Logits (row-major rows.length × classes) of `rows` under the current weights. */
  logitsOf(rows: Int32Array): Float32Array {
    const classes = this.classes;
    const scores = this.scores;
    const logits = new Float32Array(rows.length * classes);
    rows.forEach((example, row) => {
      this.scoreRowInto(example * this.dimensions, scores, 0);
      for (let k = 0; k < classes; k++) logits[row * classes + k] = scores[k]!;
    });
    return logits;
  }

  private batch(rows: Int32Array, start: number, end: number): void {
    const classes = this.classes;
    const dimensions = this.dimensions;
    const batchScores = this.batchScores;
    const { gradientFloor } = this.settings;
    this.gradient.fill(0);
    this.biasGradient.fill(0);
    // Two rows at a time share the weight loads (about a third faster than one by one).
    let position = start;
    for (; position + 1 < end; position += 2) {
      this.scoreRowPair(
        rows[position]! * dimensions,
        rows[position + 1]! * dimensions,
        batchScores,
        (position - start) * classes,
      );
    }
    if (position < end)
      this.scoreRowInto(rows[position]! * dimensions, batchScores, (position - start) * classes);
    for (position = start; position < end; position++) {
      const example = rows[position]!;
      const weight = this.exampleWeight[example]!;
      const first = (position - start) * classes;
      if (weight === 0) {
        batchScores.fill(0, first, first + classes);
        continue;
      }
      let max = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < classes; k++) if (batchScores[first + k]! > max) max = batchScores[first + k]!;
      let sum = 0;
      for (let k = 0; k < classes; k++) {
        const value = Math.exp(batchScores[first + k]! - max);
        batchScores[first + k] = value;
        sum += value;
      }
      const label = this.labelIds[example]!;
      for (let k = 0; k < classes; k++) {
        const step = weight * (batchScores[first + k]! / sum - (k === label ? 1 : 0));
        // The scores of this row are spent: the slot now holds its gradient step (0 = skipped).
        batchScores[first + k] = step < gradientFloor && step > -gradientFloor ? 0 : step;
      }
    }
    this.accumulateGradient(rows, start, end);
    this.update(end - start);
  }

  /**
   * gradient[k] = Σ_rows step[row, k]·x[row] and biasGradient[k] = Σ_rows step[row, k], class by
   * class over the rows with a non-zero step, four rows per pass (a quarter of the stores).
   */
  private accumulateGradient(rows: Int32Array, start: number, end: number): void {
    const x = this.x;
    const classes = this.classes;
    const dimensions = this.dimensions;
    const batchScores = this.batchScores;
    const gradient = this.gradient;
    const biasGradient = this.biasGradient;
    const activeRows = this.activeRows;
    const activeSteps = this.activeSteps;
    for (let k = 0; k < classes; k++) {
      let active = 0;
      for (let position = start; position < end; position++) {
        const step = batchScores[(position - start) * classes + k]!;
        if (step === 0) continue;
        activeRows[active] = rows[position]! * dimensions;
        activeSteps[active++] = step;
        biasGradient[k]! += step;
      }
      const base = k * dimensions;
      let slot = 0;
      for (; slot + 3 < active; slot += 4) {
        const o0 = activeRows[slot]!;
        const o1 = activeRows[slot + 1]!;
        const o2 = activeRows[slot + 2]!;
        const o3 = activeRows[slot + 3]!;
        const s0 = activeSteps[slot]!;
        const s1 = activeSteps[slot + 1]!;
        const s2 = activeSteps[slot + 2]!;
        const s3 = activeSteps[slot + 3]!;
        for (let j = 0; j < dimensions; j++) {
          gradient[base + j]! += s0 * x[o0 + j]! + s1 * x[o1 + j]! + s2 * x[o2 + j]! + s3 * x[o3 + j]!;
        }
      }
      for (; slot < active; slot++) {
        const offset = activeRows[slot]!;
        const step = activeSteps[slot]!;
        for (let j = 0; j < dimensions; j++) gradient[base + j]! += step * x[offset + j]!;
      }
    }
  }

  private update(count: number): void {
    const classes = this.classes;
    const gradient = this.gradient;
    const biasGradient = this.biasGradient;
    const weights = this.weights;
    const bias = this.bias;
    const { l2 } = this.settings;
    this.step += 1;
    const progress = Math.min(1, this.step / this.plannedUpdates);
    const rate = this.rateScale * this.settings.learningRate * (1 - progress) + 1e-5;
    const stepSize = rate / (1 - BETA1 ** this.step);
    const secondCorrection = 1 / (1 - BETA2 ** this.step);
    const firstMoment = this.firstMoment;
    const secondMoment = this.secondMoment;
    for (let index = 0; index < weights.length; index++) {
      const g = gradient[index]! / count + l2 * weights[index]!;
      const first = BETA1 * firstMoment[index]! + (1 - BETA1) * g;
      const second = BETA2 * secondMoment[index]! + (1 - BETA2) * g * g;
      firstMoment[index] = first;
      secondMoment[index] = second;
      weights[index]! -= (stepSize * first) / (Math.sqrt(second * secondCorrection) + EPSILON);
    }
    const biasFirstMoment = this.biasFirstMoment;
    const biasSecondMoment = this.biasSecondMoment;
    for (let k = 0; k < classes; k++) {
      const g = biasGradient[k]! / count;
      const first = BETA1 * biasFirstMoment[k]! + (1 - BETA1) * g;
      const second = BETA2 * biasSecondMoment[k]! + (1 - BETA2) * g * g;
      biasFirstMoment[k] = first;
      biasSecondMoment[k] = second;
      bias[k]! -= (stepSize * first) / (Math.sqrt(second * secondCorrection) + EPSILON);
    }
  }

  /** Scores of the row at `offset` into `out[at ..)`, four classes per pass over the row (fewer loads). */
  private scoreRowInto(offset: number, out: Float64Array, at: number): void {
    scoreDenseRowInto(this.x, offset, this.weights, this.bias, this.dimensions, out, at);
  }

  /** Scores of the rows at `offsetA` and `offsetB` into `out[at ..)` and the next row of `out`. */
  private scoreRowPair(offsetA: number, offsetB: number, out: Float64Array, at: number): void {
    const x = this.x;
    const weights = this.weights;
    const bias = this.bias;
    const classes = this.classes;
    const dimensions = this.dimensions;
    const next = at + classes;
    let k = 0;
    for (; k + 3 < classes; k += 4) {
      const w0 = k * dimensions;
      const w1 = w0 + dimensions;
      const w2 = w1 + dimensions;
      const w3 = w2 + dimensions;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let b0 = 0;
      let b1 = 0;
      let b2 = 0;
      let b3 = 0;
      for (let j = 0; j < dimensions; j++) {
        const valueA = x[offsetA + j]!;
        const valueB = x[offsetB + j]!;
        const u0 = weights[w0 + j]!;
        const u1 = weights[w1 + j]!;
        const u2 = weights[w2 + j]!;
        const u3 = weights[w3 + j]!;
        a0 += valueA * u0;
        a1 += valueA * u1;
        a2 += valueA * u2;
        a3 += valueA * u3;
        b0 += valueB * u0;
        b1 += valueB * u1;
        b2 += valueB * u2;
        b3 += valueB * u3;
      }
      out[at + k] = a0 + bias[k]!;
      out[at + k + 1] = a1 + bias[k + 1]!;
      out[at + k + 2] = a2 + bias[k + 2]!;
      out[at + k + 3] = a3 + bias[k + 3]!;
      out[next + k] = b0 + bias[k]!;
      out[next + k + 1] = b1 + bias[k + 1]!;
      out[next + k + 2] = b2 + bias[k + 2]!;
      out[next + k + 3] = b3 + bias[k + 3]!;
    }
    for (; k < classes; k++) {
      const base = k * dimensions;
      let sumA = 0;
      let sumB = 0;
      for (let j = 0; j < dimensions; j++) {
        const u = weights[base + j]!;
        sumA += x[offsetA + j]! * u;
        sumB += x[offsetB + j]! * u;
      }
      out[at + k] = sumA + bias[k]!;
      out[next + k] = sumB + bias[k]!;
    }
  }
}
