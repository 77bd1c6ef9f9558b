import { describe, expect, it } from "vitest";
import { FeatureCountCache } from "../../src/small-models/feature-count-cache.js";
import { extractFeatures } from "../../src/small-models/feature-matrix.js";
import { ngramLinearOptionsSchema } from "../../src/small-models/ngram-linear-options.js";
import { trainNgramLinear } from "../../src/small-models/train-ngram-linear.js";
import type { TrainingSet } from "../../src/spec/small-model.js";
import { toyTrainingSet } from "./contract.case.js";

/** The rows of `set` at `rows` (a fold's training share). */
function subset(set: TrainingSet, rows: number[]): TrainingSet {
  return {
    texts: rows.map((row) => set.texts[row]!),
    labels: set.labels,
    labelIds: Int32Array.from(rows, (row) => set.labelIds[row]!),
  };
}

describe("FeatureCountCache", () => {
  const set = toyTrainingSet();
  const all = set.texts.map((_, index) => index);
  const folds = [0, 1, 2].map((fold) => all.filter((row) => row % 3 !== fold));

  it("trains the same models, weight for weight, as without it across overlapping folds", async () => {
    const featureCounts = new FeatureCountCache();
    for (const rows of folds) {
      const fold = subset(set, rows);
      const plain = await trainNgramLinear(fold, { seed: 3 });
      const cached = await trainNgramLinear(fold, { seed: 3 }, { featureCounts });
      expect(cached.toJSON()).toEqual(plain.toJSON());
    }
  });

  it("keeps each distinct text once per feature setting, and reuses its counts", () => {
    const featureCounts = new FeatureCountCache();
    const options = ngramLinearOptionsSchema.parse({});
    const first = extractFeatures(set.texts, options, undefined, featureCounts);
    const rows = featureCounts.rowsFor(options);
    expect(rows.size).toBe(new Set(set.texts).size);
    // A kept row is what is read: changing it changes the next matrix.
    const [text, counted] = rows.entries().next().value!;
    counted.values.fill(0);
    const again = extractFeatures([text], options, undefined, featureCounts);
    expect(Array.from(again.values).every((value) => value === 0)).toBe(true);
    expect(first.values.length).toBeGreaterThan(0);
    expect(featureCounts.rowsFor({ ...options, charNgramMax: 4 }).size).toBe(0);
  });

  it("stops keeping rows beyond its entry budget, and the matrix stays the same", () => {
    const options = ngramLinearOptionsSchema.parse({});
    const featureCounts = new FeatureCountCache(50);
    const withBudget = extractFeatures(set.texts, options, undefined, featureCounts);
    const plain = extractFeatures(set.texts, options);
    expect(featureCounts.rowsFor(options).size).toBeLessThan(new Set(set.texts).size);
    expect(Array.from(withBudget.values)).toEqual(Array.from(plain.values));
    expect(Array.from(withBudget.columns)).toEqual(Array.from(plain.columns));
  });
});
