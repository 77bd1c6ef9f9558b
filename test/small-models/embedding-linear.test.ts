import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { softmaxInto } from "../../src/learners/softmax.js";
import { averageEmbeddingLinearModels } from "../../src/small-models/average-embedding-linear-models.js";
import { EmbeddingLinearModel } from "../../src/small-models/embedding-linear-model.js";
import { encodeArtifact } from "../../src/small-models/model-artifact.js";
import {
  EMBEDDING_LINEAR_KIND,
  type EmbeddingTrainingSet,
  trainEmbeddingLinear,
} from "../../src/small-models/train-embedding-linear.js";
import { trainNgramLinear } from "../../src/small-models/train-ngram-linear.js";
import { ArtifactError } from "../../src/spec/errors/artifact-error.js";
import { UsageError } from "../../src/spec/errors/usage-error.js";
import { createSeededRandom } from "../../src/util/seeded-random.js";

const DIMENSIONS = 12;
const LABELS = ["alpha", "beta", "gamma"];

/** Standard normal draws from a seeded uniform source (Box–Muller). */
function createGaussian(seed: number): () => number {
  const random = createSeededRandom(seed);
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Well-separated unit-scale Gaussian clusters, one per label, L2-normalised like text embeddings. */
function clusters(rowsPerLabel: number, seed: number, noise = 0.25): EmbeddingTrainingSet {
  const gaussian = createGaussian(99);
  const centres = LABELS.map(() => Float64Array.from({ length: DIMENSIONS }, () => gaussian()));
  const draw = createGaussian(seed);
  const rows = rowsPerLabel * LABELS.length;
  const vectors = new Float32Array(rows * DIMENSIONS);
  const labelIds = new Int32Array(rows);
  for (let row = 0; row < rows; row++) {
    const label = row % LABELS.length;
    labelIds[row] = label;
    let norm = 0;
    for (let j = 0; j < DIMENSIONS; j++) {
      const value = centres[label]![j]! + noise * draw() * Math.sqrt(DIMENSIONS);
      vectors[row * DIMENSIONS + j] = value;
      norm += value * value;
    }
    for (let j = 0; j < DIMENSIONS; j++) vectors[row * DIMENSIONS + j]! /= Math.sqrt(norm);
  }
  return { vectors, dimensions: DIMENSIONS, labelIds, labels: LABELS };
}

function accuracy(model: EmbeddingLinearModel, set: EmbeddingTrainingSet): number {
  const out = new Float32Array(set.labels.length);
  let correct = 0;
  set.labelIds.forEach((label, row) => {
    model.predictProbaInto(set.vectors, row * set.dimensions, out);
    if (argmax(out) === label) correct++;
  });
  return correct / set.labelIds.length;
}

function argmax(values: Float32Array): number {
  let best = 0;
  for (let index = 1; index < values.length; index++) if (values[index]! > values[best]!) best = index;
  return best;
}

function probabilitiesOf(model: EmbeddingLinearModel, set: EmbeddingTrainingSet): Float32Array {
  const classes = set.labels.length;
  const out = new Float32Array(set.labelIds.length * classes);
  for (let row = 0; row < set.labelIds.length; row++) {
    model.predictProbaInto(
      set.vectors,
      row * set.dimensions,
      out.subarray(row * classes, (row + 1) * classes),
    );
  }
  return out;
}

describe("trainEmbeddingLinear", () => {
  const train = clusters(40, 1);
  const test = clusters(30, 2);
  let model: EmbeddingLinearModel;
  const directories: string[] = [];
  beforeAll(async () => {
    model = await trainEmbeddingLinear(train);
  });
  afterAll(async () => {
    for (const directory of directories) await rm(directory, { recursive: true, force: true });
  });
  async function temporaryDirectory(): Promise<string> {
    const directory = await mkdtemp(join(tmpdir(), "easy-adapt-emblin-"));
    directories.push(directory);
    return directory;
  }

  it("learns separable Gaussian clusters (small set: fixed epochs, refit, L2 by CV)", () => {
    expect(model.kind).toBe(EMBEDDING_LINEAR_KIND);
    expect(model.labels).toEqual(LABELS);
    expect(model.dimensions).toBe(DIMENSIONS);
    expect(accuracy(model, test)).toBeGreaterThanOrEqual(0.95);
    expect(model.parts.trainingExamples).toBe(120);
  });

  it("learns them on a large set too (early stopping on ≥ 200 held-out rows)", async () => {
    const large = await trainEmbeddingLinear(clusters(1100, 3), { maxEpochs: 4 });
    expect(large.parts.l2).toBe(1e-3);
    expect(large.parts.epochs).toBeGreaterThanOrEqual(1);
    expect(large.parts.epochs).toBeLessThanOrEqual(Math.ceil(400 / Math.ceil(2970 / 128)));
    expect(accuracy(large, test)).toBeGreaterThanOrEqual(0.95);
  });

  it("gives finite probabilities that sum to 1, far from the data too", () => {
    const probes = new Float32Array([
      ...test.vectors.subarray(0, DIMENSIONS * 5),
      ...new Float32Array(DIMENSIONS),
    ]);
    probes.fill(50, DIMENSIONS * 5, DIMENSIONS * 5 + 3);
    const out = new Float32Array(LABELS.length);
    for (let row = 0; row < 6; row++) {
      model.predictProbaInto(probes, row * DIMENSIONS, out);
      let sum = 0;
      for (const value of out) {
        expect(Number.isFinite(value)).toBe(true);
        expect(value).toBeGreaterThanOrEqual(0);
        sum += value;
      }
      expect(sum).toBeCloseTo(1, 5);
    }
  });

  it("is deterministic for a seed, bit for bit", async () => {
    const again = await trainEmbeddingLinear(train);
    expect(again.parts.weights).toEqual(model.parts.weights);
    expect(again.parts.bias).toEqual(model.parts.bias);
    expect(again.parts.temperature).toBe(model.parts.temperature);
  });

  it("honours example weights and class weights", async () => {
    // 20 rows at one point, half "alpha", half "beta": the weights decide which label wins there.
    const base = clusters(20, 4);
    const rows = base.labelIds.length + 20;
    const vectors = new Float32Array(rows * DIMENSIONS);
    vectors.set(base.vectors);
    const point = new Float32Array(DIMENSIONS).fill(1 / Math.sqrt(DIMENSIONS));
    const labelIds = new Int32Array(rows);
    labelIds.set(base.labelIds);
    for (let extra = 0; extra < 20; extra++) {
      vectors.set(point, (base.labelIds.length + extra) * DIMENSIONS);
      labelIds[base.labelIds.length + extra] = extra % 2;
    }
    const favour = (label: number): Float32Array =>
      Float32Array.from(labelIds, (id, row) => (row >= base.labelIds.length && id === label ? 5 : 1));
    const set = { vectors, dimensions: DIMENSIONS, labelIds, labels: LABELS };
    const towardsAlpha = await trainEmbeddingLinear({ ...set, exampleWeights: favour(0) });
    const towardsBeta = await trainEmbeddingLinear({ ...set, exampleWeights: favour(1) });
    expect(argmax(towardsAlpha.predictProba(point))).toBe(0);
    expect(argmax(towardsBeta.predictProba(point))).toBe(1);
    const byClass = await trainEmbeddingLinear(set, { classWeights: [1, 5, 1] });
    expect(argmax(byClass.predictProba(point))).toBe(1);
    // Zero weight on the point's "beta" rows: as if they were absent.
    const withoutBeta = Float32Array.from(labelIds, (id, row) =>
      row >= base.labelIds.length && id === 1 ? 0 : 1,
    );
    expect(
      argmax((await trainEmbeddingLinear({ ...set, exampleWeights: withoutBeta })).predictProba(point)),
    ).toBe(0);
  });

  it("round-trips save/load with bit-exact predictions", async () => {
    const path = join(await temporaryDirectory(), "model.bin");
    await model.save(path);
    const loaded = await EmbeddingLinearModel.load(path);
    expect(loaded.labels).toEqual(model.labels);
    expect(loaded.parts.temperature).toBe(model.parts.temperature);
    expect(probabilitiesOf(loaded, test)).toEqual(probabilitiesOf(model, test));
  });

  it("refuses a corrupted file, another kind's file and bad shapes with ArtifactError", async () => {
    const directory = await temporaryDirectory();
    const path = join(directory, "model.bin");
    await model.save(path);
    const bytes = await readFile(path);
    bytes[bytes.length - 5]! ^= 0xff;
    const corrupted = join(directory, "corrupted.bin");
    await writeFile(corrupted, bytes);
    await expect(EmbeddingLinearModel.load(corrupted)).rejects.toThrow(/checksum/);
    await expect(EmbeddingLinearModel.load(corrupted)).rejects.toBeInstanceOf(ArtifactError);

    const ngram = await trainNgramLinear({
      texts: ["good day", "bad day", "good time", "bad time"],
      labelIds: Int32Array.from([0, 1, 0, 1]),
      labels: ["good", "bad"],
    });
    const ngramPath = join(directory, "ngram.bin");
    await ngram.save(ngramPath);
    await expect(EmbeddingLinearModel.load(ngramPath)).rejects.toThrow(/ngram-linear/);

    const { header, arrays } = model.toArtifact();
    const badShape = join(directory, "bad-shape.bin");
    await writeFile(badShape, encodeArtifact({ header, arrays: { ...arrays, bias: new Float32Array(2) } }));
    await expect(EmbeddingLinearModel.load(badShape)).rejects.toThrow(/wrong size/);
    const badHeader = join(directory, "bad-header.bin");
    await writeFile(badHeader, encodeArtifact({ header: { ...header, dimensions: -1 }, arrays }));
    await expect(EmbeddingLinearModel.load(badHeader)).rejects.toBeInstanceOf(ArtifactError);
    const notFinite = join(directory, "not-finite.bin");
    const weights = arrays["weights"]!.slice();
    weights[0] = Number.NaN;
    await writeFile(notFinite, encodeArtifact({ header, arrays: { ...arrays, weights } }));
    await expect(EmbeddingLinearModel.load(notFinite)).rejects.toThrow(/not finite/);
  });

  it("averages: a model with itself predicts the same; two models give softmax of the mean scaled logits", async () => {
    const self = averageEmbeddingLinearModels([model, model]);
    expect(self.parts.temperature).toBe(1);
    const expected = probabilitiesOf(model, test);
    const actual = probabilitiesOf(self, test);
    for (let index = 0; index < expected.length; index++)
      expect(actual[index]).toBeCloseTo(expected[index]!, 5);

    const other = await trainEmbeddingLinear(clusters(40, 5), { seed: 7 });
    const averaged = averageEmbeddingLinearModels([model, other]);
    const logits = new Float64Array(LABELS.length);
    const mean = new Float64Array(LABELS.length);
    const want = new Float32Array(LABELS.length);
    const got = new Float32Array(LABELS.length);
    for (let row = 0; row < 10; row++) {
      mean.fill(0);
      for (const member of [model, other]) {
        member.rawLogitsInto(test.vectors, row * DIMENSIONS, logits);
        for (let k = 0; k < LABELS.length; k++) mean[k]! += logits[k]! / member.parts.temperature / 2;
      }
      softmaxInto(mean, LABELS.length, 1, want);
      averaged.predictProbaInto(test.vectors, row * DIMENSIONS, got);
      for (let k = 0; k < LABELS.length; k++) expect(got[k]).toBeCloseTo(want[k]!, 5);
    }
    expect(() => averageEmbeddingLinearModels([])).toThrow(UsageError);
  });

  it("refuses invalid input with a clear UsageError", async () => {
    await expect(
      trainEmbeddingLinear({ ...train, vectors: train.vectors.subarray(0, train.vectors.length - 1) }),
    ).rejects.toThrow(/expected 1440/);
    await expect(
      trainEmbeddingLinear({
        ...train,
        labelIds: Int32Array.from(train.labelIds, (id, row) => (row === 7 ? 3 : id)),
      }),
    ).rejects.toThrow(/row 7: label id 3 is outside 0..2/);
    await expect(trainEmbeddingLinear({ ...train, labels: ["only"] })).rejects.toBeInstanceOf(UsageError);
    await expect(
      trainEmbeddingLinear({ ...train, exampleWeights: new Float32Array(train.labelIds.length).fill(-1) }),
    ).rejects.toThrow(/example weight/);
    const withNaN = train.vectors.slice();
    withNaN[DIMENSIONS * 2] = Number.NaN;
    await expect(trainEmbeddingLinear({ ...train, vectors: withNaN })).rejects.toThrow(/row 2/);
    await expect(trainEmbeddingLinear(train, { batchSize: 0 })).rejects.toBeInstanceOf(UsageError);
    expect(() => model.predictProbaInto(test.vectors, test.vectors.length - 3, new Float32Array(3))).toThrow(
      UsageError,
    );
    const wide = await trainEmbeddingLinear({ ...clusters(5, 6), labels: LABELS });
    const narrow = new EmbeddingLinearModel({ ...wide.parts, dimensions: 6, weights: new Float32Array(18) });
    expect(() => averageEmbeddingLinearModels([wide, narrow])).toThrow(/dimensions/);
  });

  it("stops when its signal is aborted and reports progress", async () => {
    const events: number[] = [];
    const controller = new AbortController();
    await expect(
      trainEmbeddingLinear(
        train,
        { l2: 0.01 },
        {
          signal: controller.signal,
          onProgress: (event) => {
            events.push(event.done);
            controller.abort();
          },
        },
      ),
    ).rejects.toThrow();
    expect(events).toEqual([1]);
  });
});
