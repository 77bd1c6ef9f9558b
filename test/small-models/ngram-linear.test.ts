import { describe, expect, it } from "vitest";
import { loadSmallModel } from "../../src/small-models/load-small-model.js";
import { NgramLinearModel } from "../../src/small-models/ngram-linear-model.js";
import { trainNgramLinear } from "../../src/small-models/train-ngram-linear.js";
import { ArtifactError } from "../../src/spec/errors/artifact-error.js";
import { UsageError } from "../../src/spec/errors/usage-error.js";
import { describeSmallModelContract, toyTrainingSet } from "./contract.case.js";

describeSmallModelContract({
  kind: "ngram-linear",
  train: (set, seed) => trainNgramLinear(set, { seed }),
  load: loadSmallModel,
});

describe("ngram-linear specifics", () => {
  const set = toyTrainingSet();

  it("fits a temperature on held-out rows; a small set trains all epochs, then refits", async () => {
    // One model (no ensemble): its own temperature, epochs and refit are what this test looks at.
    const model = await trainNgramLinear(set, { seed: 5, ensembleMembers: 1 });
    expect(model.parts.temperature).toBeGreaterThan(0);
    expect(model.parts.temperature).not.toBe(1);
    expect(model.parts.epochs).toBe(8);
    const stopped = await trainNgramLinear(set, {
      seed: 5,
      ensembleMembers: 1,
      stopOn: "calibrated-loss",
      patience: 1,
    });
    expect(stopped.parts.epochs).toBeGreaterThanOrEqual(1);
    expect(stopped.parts.epochs).toBeLessThanOrEqual(8);
    // The refit learns from the held-out rows too, so its weights differ from the no-refit model.
    const kept = await trainNgramLinear(set, { seed: 5, ensembleMembers: 1, refit: false });
    expect(kept.parts.epochs).toBe(8);
    expect([...kept.parts.weights]).not.toEqual([...model.parts.weights]);
  });

  it("reads texts with the class-ratio weights even without idf", async () => {
    const model = await trainNgramLinear(set, { seed: 1, idf: false });
    expect(new Set(model.parts.featureIdf).size).toBeGreaterThan(1);
    const flat = new NgramLinearModel({ ...model.parts, featureIdf: model.parts.featureIdf.map(() => 1) });
    expect([...flat.predictProba("when will my card arrive")]).not.toEqual([
      ...model.predictProba("when will my card arrive"),
    ]);
  });

  it("ignores markup by default; models saved before stripMarkup existed still read it as text", async () => {
    const model = await trainNgramLinear(set, { seed: 1 });
    expect(model.parts.settings.stripMarkup).toBe(true);
    expect([...model.predictProba("card<br />arrived")]).toEqual([...model.predictProba("card arrived")]);
    const snapshot = model.toJSON();
    const { stripMarkup: _dropped, ...oldSettings } = snapshot.settings;
    const old = NgramLinearModel.fromJSON({ ...snapshot, settings: oldSettings });
    expect(old.parts.settings.stripMarkup).toBe(false);
    expect([...old.predictProba("card<br />arrived")]).not.toEqual([...old.predictProba("card arrived")]);
  });

  it("follows per-class weights: a zero-weighted label is never learnt", async () => {
    const model = await trainNgramLinear(set, { seed: 1, classWeights: [1, 1, 0] });
    const probabilities = model.predictProba("what is the euro exchange rate");
    expect(probabilities[2]).toBeLessThan(Math.max(probabilities[0]!, probabilities[1]!));
  });

  it("follows per-example weights: zero-weighted rows teach nothing", async () => {
    const weights = new Float32Array(set.texts.length).fill(1);
    set.labelIds.forEach((id, index) => {
      if (id === 1) weights[index] = 0;
    });
    const model = await trainNgramLinear(
      { ...set, exampleWeights: weights },
      { seed: 1, heldOutFraction: 0 },
    );
    const probabilities = model.predictProba("i want my money back refund");
    expect(probabilities[1]).toBeLessThan(Math.max(probabilities[0]!, probabilities[2]!));
  });

  it("differs with the seed (the shuffles change)", async () => {
    const first = await trainNgramLinear(set, { seed: 1 });
    const second = await trainNgramLinear(set, { seed: 2 });
    expect([...first.predictProba("card money rate")]).not.toEqual([
      ...second.predictProba("card money rate"),
    ]);
  });

  it("trains with SGD too", async () => {
    const model = await trainNgramLinear(set, { seed: 1, optimizer: "sgd", learningRate: 1 });
    const probabilities = model.predictProba("when will my new card arrive");
    expect(probabilities.indexOf(Math.max(...probabilities))).toBe(0);
  });

  it("can stop early on held-out accuracy instead of calibrated loss", async () => {
    const model = await trainNgramLinear(set, { seed: 1, stopOn: "accuracy", patience: 1 });
    expect(model.parts.epochs).toBeGreaterThanOrEqual(1);
    const probabilities = model.predictProba("i want my money back");
    expect(probabilities.indexOf(Math.max(...probabilities))).toBe(1);
  });

  it("refuses inconsistent sets and invalid options with UsageError", async () => {
    await expect(trainNgramLinear({ ...set, labelIds: new Int32Array(3) })).rejects.toBeInstanceOf(
      UsageError,
    );
    await expect(trainNgramLinear({ ...set, labels: ["only"] })).rejects.toBeInstanceOf(UsageError);
    await expect(trainNgramLinear(set, { buckets: 1000 })).rejects.toBeInstanceOf(UsageError);
    await expect(trainNgramLinear(set, { classWeights: [1] })).rejects.toBeInstanceOf(UsageError);
  });

  it("stops when its signal is aborted", async () => {
    const controller = new AbortController();
    controller.abort(new Error("stop now"));
    await expect(trainNgramLinear(set, {}, { signal: controller.signal })).rejects.toThrow("stop now");
  });

  it("reports progress", async () => {
    const stages = new Set<string>();
    await trainNgramLinear(set, { seed: 1 }, { onProgress: ({ stage }) => stages.add(stage) });
    expect([...stages]).toEqual(["features", "train"]);
  });

  it("refuses a snapshot with arrays of the wrong size", async () => {
    const model = await trainNgramLinear(set, { seed: 1 });
    const snapshot = { ...model.toJSON(), bias: Buffer.from(new Float32Array(2).buffer).toString("base64") };
    expect(() => NgramLinearModel.fromJSON(snapshot)).toThrow(ArtifactError);
    const restored = NgramLinearModel.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    expect([...restored.predictProba("card")]).toEqual([...model.predictProba("card")]);
  });
});
