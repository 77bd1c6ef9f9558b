import type { SsmTrainer, TrainedSsm } from "../../small-models/ssm-trainer.js";
import type { TrainingSet } from "../../spec/small-model.js";

/** Called as each set's training starts and ends. */
export interface TrainingEvents {
  started(index: number): void;
  finished(index: number): void;
}

/**
 * Trains every set, with each trainer (an executor: the calling thread, a worker thread) training
 * one set at a time and taking the next set in order as soon as it is free. Returns the models in
 * set order: the same as training them one after the other, when each trainer's model depends on
 * its set only. On the first failure no further set is started; once the sets in training have
 * settled, that failure is thrown.
 */
export async function trainInOrder(
  sets: readonly TrainingSet[],
  trainers: readonly SsmTrainer[],
  events: TrainingEvents,
): Promise<TrainedSsm[]> {
  if (trainers.length === 0) throw new Error("trainInOrder needs at least one trainer");
  const models: TrainedSsm[] = [];
  let next = 0;
  let failure: { error: unknown } | undefined;
  const run = async (trainer: SsmTrainer) => {
    while (failure === undefined && next < sets.length) {
      const index = next;
      next += 1;
      events.started(index);
      try {
        models[index] = await trainer(sets[index]!);
      } catch (error) {
        failure ??= { error };
        return;
      }
      events.finished(index);
    }
  };
  await Promise.all(trainers.map(run));
  if (failure !== undefined) throw failure.error;
  return models;
}
