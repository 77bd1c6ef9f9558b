import { threadId } from "node:worker_threads";
import { describe, expect, it, vi } from "vitest";
import {
  liveNgramTrainingThreads,
  startNgramTrainingThreads,
} from "../../src/small-models/ngram-training-threads.js";
import { trainNgramLinear } from "../../src/small-models/train-ngram-linear.js";
import { UsageError } from "../../src/spec/errors/usage-error.js";
import type { TrainingSet } from "../../src/spec/small-model.js";
import { teacherRows, ticketTask } from "../support/teacher-data.js";

/** `count` tickets as a training set over the three ticket labels, weighted unevenly. */
function ticketSet(count: number, seed: number): TrainingSet {
  const rows = teacherRows(count, seed);
  return {
    texts: rows.map((row) => row.text),
    labelIds: Int32Array.from(rows, (row) => ticketTask.labels.indexOf(row.gold)),
    labels: ticketTask.labels,
    exampleWeights: Float32Array.from(rows, (_, index) => 0.5 + (index % 3) / 2),
  };
}

const fresh = teacherRows(60, 99, "fresh").map((row) => `${row.text} unseen${row.text.length}`);

/** What a model computes on new texts: its probabilities and novelty, per text. */
function outputsOf(model: { predictProba(text: string): Float32Array; novelty?(text: string): number }) {
  return fresh.map((text) => ({
    probabilities: [...model.predictProba(text)],
    novelty: model.novelty?.(text),
  }));
}

describe("n-gram training threads", () => {
  it("train in another thread the model trainNgramLinear trains here, bit for bit", async () => {
    const threads = startNgramTrainingThreads(2);
    try {
      expect(threads.threadIds).toHaveLength(2);
      expect(threads.threadIds).not.toContain(threadId);
      // 120 rows: an averaged ensemble of 3 (with per-feature shares); 3,100 rows: one model.
      for (const set of [ticketSet(120, 1), ticketSet(3100, 2)]) {
        const local = await trainNgramLinear(set);
        const [first, second] = await Promise.all(threads.trainers.map((train) => train(set)));
        for (const remote of [first!, second!]) {
          expect(remote.toArtifact()).toEqual(local.toArtifact());
          expect(outputsOf(remote)).toEqual(outputsOf(local));
        }
        expect(outputsOf(local).some((output) => (output.novelty ?? 0) > 0)).toBe(true);
      }
      expect(threads.trainedCounts()).toEqual([2, 2]);
    } finally {
      await threads.close();
    }
    expect(liveNgramTrainingThreads()).toBe(0);
  }, 60_000);

  it("rejects an invalid set with the error trainNgramLinear throws here, and leaves no thread once closed", async () => {
    const threads = startNgramTrainingThreads(1);
    const invalid: TrainingSet = { ...ticketSet(30, 3), labels: ["billing", "billing", "account"] };
    const here = await trainNgramLinear(invalid).catch((error: unknown) => error);
    expect(here).toBeInstanceOf(UsageError);
    const there = await threads.trainers[0]!(invalid).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(there).toBeInstanceOf(UsageError);
    expect((there as Error).message).toBe((here as Error).message);
    // The thread still trains valid sets after a failure.
    await expect(threads.trainers[0]!(ticketSet(40, 4))).resolves.toBeDefined();
    await threads.close();
    expect(liveNgramTrainingThreads()).toBe(0);
    await expect(threads.trainers[0]!(ticketSet(40, 4))).rejects.toThrow(/closed/);
  }, 60_000);

  it("terminates its threads when the signal aborts: the set in training rejects with the abort's reason", async () => {
    const controller = new AbortController();
    const threads = startNgramTrainingThreads(2, { signal: controller.signal });
    expect(liveNgramTrainingThreads()).toBe(2);
    const training = threads.trainers[0]!(ticketSet(3100, 5)).then(
      () => "trained",
      (error: unknown) => error,
    );
    setTimeout(() => controller.abort(new Error("stopped by the test")), 50);
    expect(await training).toEqual(new Error("stopped by the test"));
    await vi.waitFor(() => expect(liveNgramTrainingThreads()).toBe(0));
    await threads.close();
  }, 60_000);
});
