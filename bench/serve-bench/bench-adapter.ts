import { join } from "node:path";
import { adapt } from "../../src/adapt/adapt.js";
import type { RecordedAnswer } from "../../src/data/recorded-answers.js";
import { loadRows } from "../../src/data/stream-rows.js";
import { createOpenAICompatibleModel } from "../../src/large-models/openai-compatible-model.js";
import { startReplayServer } from "../../src/replay/replay-server.js";
import type { Task } from "../../src/spec/task.js";

/**
 * Adapts banking77 (train.csv as training rows, dev.csv as calibration rows, GPT-4's recorded answers
 * through an in-process replay server) and saves the adapter in `adapterDir`; returns the seconds taken.
 */
export async function adaptBanking77(
  task: Task,
  datasetDir: string,
  answers: readonly RecordedAnswer[],
  adapterDir: string,
): Promise<number> {
  const replay = await startReplayServer({ answers, model: "gpt4" });
  try {
    const started = performance.now();
    const result = await adapt({
      task,
      trainRows: await loadRows(join(datasetDir, "train.csv")),
      calibRows: await loadRows(join(datasetDir, "dev.csv")),
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
