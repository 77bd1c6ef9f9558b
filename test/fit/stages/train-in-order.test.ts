import { describe, expect, it } from "vitest";
import { trainInOrder } from "../../../src/fit/stages/train-in-order.js";
import type { SsmTrainer, TrainedSsm } from "../../../src/small-models/ssm-trainer.js";
import type { TrainingSet } from "../../../src/spec/small-model.js";

const sets: TrainingSet[] = Array.from({ length: 5 }, (_, index) => ({
  texts: [`set ${index}`],
  labelIds: Int32Array.of(0),
  labels: ["a", "b"],
}));

/** A model that only says which set it was trained on. */
const modelOf = (set: TrainingSet): TrainedSsm =>
  ({ kind: set.texts[0] ?? "", labels: set.labels }) as unknown as TrainedSsm;

/** A trainer taking `ms` per set that logs what it does, and fails on the set named `failOn`. */
function slowTrainer(name: string, ms: number, log: string[], failOn?: string): SsmTrainer {
  let busy = false;
  return async (set) => {
    if (busy) throw new Error(`${name} was given two sets at once`);
    busy = true;
    log.push(`${name} starts ${set.texts[0]}`);
    await new Promise((resolve) => setTimeout(resolve, ms));
    busy = false;
    if (set.texts[0] === failOn) throw new Error(`${name} failed on ${failOn}`);
    return modelOf(set);
  };
}

describe("trainInOrder", () => {
  it("gives each trainer one set at a time, the next in order, and returns the models in set order", async () => {
    const log: string[] = [];
    const events: string[] = [];
    const models = await trainInOrder(sets, [slowTrainer("here", 30, log), slowTrainer("there", 70, log)], {
      started: (index) => events.push(`start ${index}`),
      finished: (index) => events.push(`end ${index}`),
    });
    expect(models.map((model) => model.kind)).toEqual(sets.map((set) => set.texts[0]));
    // Sets start in order; the faster trainer takes more of them.
    expect(events.filter((event) => event.startsWith("start"))).toEqual(
      [0, 1, 2, 3, 4].map((i) => `start ${i}`),
    );
    expect(events.filter((event) => event.startsWith("end")).sort()).toEqual(
      [0, 1, 2, 3, 4].map((i) => `end ${i}`),
    );
    expect(log.slice(0, 2)).toEqual(["here starts set 0", "there starts set 1"]);
    expect(log.filter((line) => line.startsWith("here")).length).toBeGreaterThan(2);
  });

  it("with one trainer, trains the sets one after the other", async () => {
    const log: string[] = [];
    const models = await trainInOrder(sets, [slowTrainer("here", 1, log)], { started() {}, finished() {} });
    expect(models).toHaveLength(5);
    expect(log).toEqual(sets.map((set) => `here starts ${set.texts[0]}`));
  });

  it("starts no set after a failure and throws it once the sets in training have settled", async () => {
    const log: string[] = [];
    const outcome = trainInOrder(
      sets,
      [slowTrainer("here", 50, log), slowTrainer("there", 10, log, "set 1")],
      { started() {}, finished() {} },
    );
    await expect(outcome).rejects.toThrow("there failed on set 1");
    // "here" finished set 0 (it was in training) but took nothing more; nobody took sets 2-4.
    expect(log).toEqual(["here starts set 0", "there starts set 1"]);
  });
});
