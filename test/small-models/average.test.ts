import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { softmaxInto } from "../../src/learners/softmax.js";
import { averageNgramLinearModels } from "../../src/small-models/average-ngram-linear-models.js";
import { loadSmallModel } from "../../src/small-models/load-small-model.js";
import { NgramLinearModel } from "../../src/small-models/ngram-linear-model.js";
import { trainNgramLinear } from "../../src/small-models/train-ngram-linear.js";
import { ArtifactError } from "../../src/spec/errors/artifact-error.js";
import type { TrainingSet } from "../../src/spec/small-model.js";
import { toyTrainingSet } from "./contract.case.js";

const probes = [
  "when will my card arrive",
  "i want my money back",
  "what is the euro rate",
  "please help",
  "zzz qqq unknown words",
  "my new card was lost in the post, can I get a refund?",
];

/** The rows of `set` whose index modulo `folds` is not `fold` (a fold model's training share). */
function withoutFold(set: TrainingSet, fold: number, folds: number): TrainingSet {
  const keep = set.texts.map((_, index) => index).filter((index) => index % folds !== fold);
  return {
    texts: keep.map((index) => set.texts[index]!),
    labelIds: Int32Array.from(keep, (index) => set.labelIds[index]!),
    labels: set.labels,
  };
}

/** softmax(mean over models of logit / temperature): what the averaged model stands for. */
function meanLogitProbabilities(models: readonly NgramLinearModel[], text: string): Float32Array {
  const classes = models[0]!.labels.length;
  const mean = new Float64Array(classes);
  const logits = new Float64Array(classes);
  for (const model of models) {
    model.rawLogitsInto(text, logits);
    for (let label = 0; label < classes; label += 1)
      mean[label]! += logits[label]! / model.parts.temperature / models.length;
  }
  const out = new Float32Array(classes);
  softmaxInto(mean, classes, 1, out);
  return out;
}

describe("averageNgramLinearModels", () => {
  const set = toyTrainingSet(60);
  const directories: string[] = [];
  afterAll(async () => {
    for (const directory of directories) await rm(directory, { recursive: true, force: true });
  });

  it("answers exactly like a model averaged with itself", async () => {
    const model = await trainNgramLinear(set, { seed: 3 });
    const averaged = averageNgramLinearModels([model, model, model]);
    expect(averaged).toBeInstanceOf(NgramLinearModel);
    for (const text of probes) {
      const expected = model.predictProba(text);
      const actual = averaged!.predictProba(text);
      for (let label = 0; label < expected.length; label += 1)
        expect(actual[label]).toBeCloseTo(expected[label]!, 5);
      expect(averaged!.novelty(text)).toBeCloseTo(model.novelty(text), 6);
    }
  });

  it("stands for the mean logit of fold models, and its novelty is their mean novelty", async () => {
    const folds = await Promise.all(
      [0, 1, 2, 3, 4].map((fold) => trainNgramLinear(withoutFold(set, fold, 5), { seed: fold + 1 })),
    );
    const averaged = averageNgramLinearModels(folds)!;
    expect(averaged.parts.featureBuckets.length).toBeGreaterThanOrEqual(
      Math.max(...folds.map((fold) => fold.parts.featureBuckets.length)),
    );
    let largestGap = 0;
    for (const text of [...probes, ...set.texts.slice(0, 40)]) {
      const expected = meanLogitProbabilities(folds, text);
      const actual = averaged.predictProba(text);
      for (let label = 0; label < expected.length; label += 1)
        largestGap = Math.max(largestGap, Math.abs(actual[label]! - expected[label]!));
      const meanNovelty = folds.reduce((sum, fold) => sum + fold.novelty(text), 0) / folds.length;
      expect(averaged.novelty(text)).toBeCloseTo(meanNovelty, 6);
    }
    // One shared norm instead of each model's own: close, not exact.
    expect(largestGap).toBeLessThan(0.02);
    expect(largestGap).toBeGreaterThan(0);
  });

  it("keeps the feature shares through a save and load, and refuses shares out of range", async () => {
    const folds = await Promise.all(
      [0, 1].map((fold) => trainNgramLinear(withoutFold(set, fold, 2), { seed: 1 })),
    );
    const averaged = averageNgramLinearModels(folds)!;
    expect(averaged.parts.featureShare?.some((share) => share < 1)).toBe(true);
    const directory = await mkdtemp(join(tmpdir(), "easy-adapt-average-"));
    directories.push(directory);
    const path = join(directory, "averaged.bin");
    await averaged.save(path);
    const loaded = await loadSmallModel(path);
    for (const text of probes) {
      expect(loaded.novelty(text)).toBe(averaged.novelty(text));
      expect([...loaded.predictProba(text)]).toEqual([...averaged.predictProba(text)]);
    }
    const snapshot = averaged.toJSON();
    expect(NgramLinearModel.fromJSON(snapshot).novelty(probes[0]!)).toBe(averaged.novelty(probes[0]!));
    const { header, arrays } = averaged.toArtifact();
    const broken = Float32Array.from(averaged.parts.featureShare!);
    broken[0] = 0;
    expect(() => NgramLinearModel.fromArtifact(header, { ...arrays, featureShare: broken }, "x.bin")).toThrow(
      ArtifactError,
    );
  });

  it("declines models it cannot average: one model, other labels, other feature settings", async () => {
    const model = await trainNgramLinear(set, { seed: 1 });
    expect(averageNgramLinearModels([model])).toBeUndefined();
    const relabelled = new NgramLinearModel({ ...model.parts, labels: ["a", "b", "c"] });
    expect(averageNgramLinearModels([model, relabelled])).toBeUndefined();
    const otherSettings = await trainNgramLinear(set, { seed: 1, charNgramMax: 4 });
    expect(averageNgramLinearModels([model, otherSettings])).toBeUndefined();
    expect(averageNgramLinearModels([model, { labels: model.labels }])).toBeUndefined();
  });
});
