import { describe, expect, it } from "vitest";
import { trainNgramLinear } from "../../src/small-models/train-ngram-linear.js";
import { toyTrainingSet } from "./contract.case.js";

describe("ngram-linear: averaged members on small sets", () => {
  const set = toyTrainingSet();
  const probe = "when will my new card arrive";

  it("averages several members below ensembleBelowRows, one model at or above it", async () => {
    const single = await trainNgramLinear(set, { seed: 3, ensembleMembers: 1 });
    const averaged = await trainNgramLinear(set, { seed: 3, ensembleMembers: 3 });
    const aboveThreshold = await trainNgramLinear(set, {
      seed: 3,
      ensembleMembers: 3,
      ensembleBelowRows: set.texts.length,
    });
    // At or above the threshold: exactly the single model.
    expect([...aboveThreshold.parts.weights]).toEqual([...single.parts.weights]);
    expect(aboveThreshold.parts.temperature).toBe(single.parts.temperature);
    // Below it: an average, whose members' temperatures are folded into its weights.
    expect(averaged.parts.temperature).toBe(1);
    expect([...averaged.parts.weights]).not.toEqual([...single.parts.weights]);
    expect(averaged.parts.trainingExamples).toBe(set.texts.length);
    // Same feature rows as one model (they share the extraction), so nothing is novel differently.
    expect([...averaged.parts.featureBuckets]).toEqual([...single.parts.featureBuckets]);
    expect(averaged.parts.featureShare).toBeUndefined();
    expect(averaged.novelty(probe)).toBe(single.novelty(probe));
    const probabilities = averaged.predictProba(probe);
    expect(probabilities.indexOf(Math.max(...probabilities))).toBe(0);
  });

  it("is deterministic for a seed and reports the members' epochs as one progress", async () => {
    const done: number[] = [];
    let total = 0;
    const first = await trainNgramLinear(
      set,
      { seed: 4, ensembleMembers: 2, maxEpochs: 3 },
      {
        onProgress: (event) => {
          if (event.stage !== "train") return;
          done.push(event.done);
          total = event.total;
        },
      },
    );
    const second = await trainNgramLinear(set, { seed: 4, ensembleMembers: 2, maxEpochs: 3 });
    expect([...first.parts.weights]).toEqual([...second.parts.weights]);
    expect(total).toBe(6);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(done.at(-1)).toBe(6);
  });
});
