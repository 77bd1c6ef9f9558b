import { join } from "node:path";
import { adapt } from "../src/adapt/adapt.js";
import type { RecordedAnswer } from "../src/data/recorded-answers.js";
import { loadRows } from "../src/data/stream-rows.js";
import { createOpenAICompatibleModel } from "../src/large-models/openai-compatible-model.js";
import { startReplayServer } from "../src/replay/replay-server.js";
import type { Task } from "../src/spec/task.js";

/**
 * Where a load benchmark's adapter comes from (bench:serve, bench:soak, bench:fleet): a dataset
 * folder's train and dev rows (N of each, spread over the file, when given) and the recorded answers
 * the LLM gives during adaptation.
 */
export interface BenchAdapterSource {
  task: Task;
  datasetDir: string;
  answers: readonly RecordedAnswer[];
  /** Train rows to use (all when undefined). */
  trainRows?: number;
  /** Calibration (dev) rows to use (all when undefined). */
  calibRows?: number;
}

/**
 * Adapts the dataset (train.csv as training rows, dev.csv as calibration rows, the recorded answers
 * through an in-process replay server as model "gpt4"), possibly on some of the rows only, and saves
 * the adapter in `adapterDir`; returns the seconds taken.
 */
export async function adaptBenchAdapter(source: BenchAdapterSource, adapterDir: string): Promise<number> {
  const replay = await startReplayServer({ answers: source.answers, model: "gpt4" });
  try {
    const started = performance.now();
    const trainRows = await loadRows(join(source.datasetDir, "train.csv"));
    const calibRows = await loadRows(join(source.datasetDir, "dev.csv"));
    const result = await adapt({
      task: source.task,
      // Every n-th row rather than the first ones: the files are sorted by label.
      trainRows: spread(trainRows, source.trainRows),
      calibRows: spread(calibRows, source.calibRows),
      largeModel: createOpenAICompatibleModel({ baseUrl: replay.url, model: "gpt4" }),
      concurrency: 16,
      seed: 1,
    });
    await result.save(adapterDir);
    return (performance.now() - started) / 1000;
  } finally {
    await replay.close();
  }
}

/** `count` rows spread evenly over `rows` (all of them when `count` is undefined or not smaller). */
function spread<T>(rows: readonly T[], count: number | undefined): T[] {
  if (count === undefined || count >= rows.length) return [...rows];
  const step = rows.length / count;
  return Array.from({ length: count }, (_, index) => rows[Math.floor(index * step)] as T);
}
