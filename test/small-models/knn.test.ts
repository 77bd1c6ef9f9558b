import { describe, expect, it } from "vitest";
import { KnnModel } from "../../src/small-models/knn-model.js";
import { loadSmallModel, smallModelFromJSON } from "../../src/small-models/load-small-model.js";
import { trainKnn } from "../../src/small-models/train-knn.js";
import { describeSmallModelContract, toyTrainingSet } from "./contract.case.js";

describeSmallModelContract({
  kind: "knn",
  train: (set) => trainKnn(set),
  load: loadSmallModel,
});

describe("knn specifics", () => {
  it("round-trips through toJSON", async () => {
    const model = await trainKnn(toyTrainingSet(), { neighbours: 5 });
    const restored = smallModelFromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    expect(restored).toBeInstanceOf(KnnModel);
    expect([...restored.predictProba("card money")]).toEqual([...model.predictProba("card money")]);
  });

  it("answers a training text with its own label", async () => {
    const set = toyTrainingSet();
    const model = await trainKnn(set, { neighbours: 1 });
    const probabilities = model.predictProba(set.texts[4]!);
    expect(probabilities.indexOf(Math.max(...probabilities))).toBe(set.labelIds[4]);
  });
});
