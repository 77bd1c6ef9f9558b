import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { labelsFileName, readLabelsFile } from "../data/labels-file.js";
import { loadRows } from "../data/stream-rows.js";
import { taskFromRows } from "../data/task-from-rows.js";
import { DataError } from "../spec/errors/data-error.js";
import type { Task } from "../spec/task.js";
import { createSeededRandom, shuffleInPlace } from "../util/seeded-random.js";
import { checkLlmColumn, missingLlmColumnError } from "./stream-columns.js";

/** The splits of a dataset folder a stream can be made of. */
export type StreamSplit = "train" | "dev" | "test";

/** The splits a stream is made of by default: all three. */
export const defaultStreamSplits: readonly StreamSplit[] = ["train", "dev", "test"];

/** One input of a stream: its text, its gold label (for scoring) and the LLM's recorded answer ("" off the label set). */
export interface StreamRow {
  text: string;
  gold: string;
  llm: string;
}

/** A stream: the dataset's name, its task, and its rows in the order they are fed. */
export interface StreamData {
  name: string;
  task: Task;
  rows: StreamRow[];
}

/**
 * Reads the chosen splits of a dataset folder (the ../shared/datasets format: `text`, `label`, one
 * column per LLM) and shuffles their rows with `seed`. Every split must carry `llmColumn` (a DataError
 * naming the splits that do otherwise), which must not be `text` or `label` (a UsageError), and
 * every row a gold label (a DataError naming the file otherwise). The task is labels.txt's labels when
 * the folder has one, else the gold labels of the rows.
 */
export async function loadStream(
  datasetDir: string,
  llmColumn: string,
  splits: readonly StreamSplit[],
  seed: number,
): Promise<StreamData> {
  const name = basename(datasetDir.replace(/[/\\]+$/, ""));
  await checkLlmColumn(datasetDir, llmColumn);
  const rows: StreamRow[] = [];
  const labelled = [];
  for (const split of splits) {
    const file = join(datasetDir, `${split}.csv`);
    const splitRows = await loadRows(file);
    const first = splitRows[0];
    if (first !== undefined && !(llmColumn in first.columns)) {
      throw await missingLlmColumnError(datasetDir, llmColumn, split, Object.keys(first.columns));
    }
    for (const row of splitRows) {
      labelled.push(row);
      rows.push({ text: row.text, gold: row.label ?? "", llm: row.columns[llmColumn] ?? "" });
    }
  }
  if (rows.length === 0) throw new DataError("the stream has no rows", { file: datasetDir });
  const labelsFile = join(datasetDir, labelsFileName);
  const task = existsSync(labelsFile)
    ? { name, labels: await readLabelsFile(labelsFile) }
    : taskFromRows(name, labelled, join(datasetDir, `${splits[0]}.csv`));
  shuffleInPlace(rows, createSeededRandom(seed));
  return { name, task, rows };
}

/** The `--splits` value as splits: a comma-separated list of train, dev and test; undefined when invalid. */
export function parseStreamSplits(value: string): StreamSplit[] | undefined {
  const splits = value.split(",").map((split) => split.trim());
  const valid = splits.every((split) => split === "train" || split === "dev" || split === "test");
  return valid && splits.length > 0 && new Set(splits).size === splits.length
    ? (splits as StreamSplit[])
    : undefined;
}
