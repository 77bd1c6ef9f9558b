import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { labelsFileName, readLabelsFile } from "../data/labels-file.js";
import { loadRows } from "../data/stream-rows.js";
import { taskFromRows } from "../data/task-from-rows.js";
import type { DataRow } from "../spec/dataset.js";
import { DataError } from "../spec/errors/data-error.js";
import type { Task } from "../spec/task.js";

/** One dataset folder in the ../shared/datasets format: its three splits and its task. */
export interface BenchDataset {
  /** The folder's name. */
  name: string;
  files: { train: string; dev: string; test: string };
  trainRows: DataRow[];
  devRows: DataRow[];
  testRows: DataRow[];
  /** Whether train.csv has the recorded LLM column too (then train is probed and can be distilled). */
  trainHasColumn: boolean;
  task: Task;
}

/**
 * Loads train.csv, dev.csv and test.csv of a dataset folder, and its task (labels.txt, else the
 * training rows' labels). dev and test must have the recorded LLM column (a DataError otherwise).
 */
export async function loadBenchDataset(datasetDir: string, llmColumn: string): Promise<BenchDataset> {
  const name = basename(datasetDir.replace(/[/\\]+$/, ""));
  const files = {
    train: join(datasetDir, "train.csv"),
    dev: join(datasetDir, "dev.csv"),
    test: join(datasetDir, "test.csv"),
  };
  const trainRows = await loadRows(files.train);
  const devRows = await loadRows(files.dev);
  const testRows = await loadRows(files.test);
  for (const [split, rows] of [
    ["dev", devRows],
    ["test", testRows],
  ] as const) {
    if (rows[0] !== undefined && !(llmColumn in rows[0].columns)) {
      throw new DataError(`no column "${llmColumn}" (columns: ${Object.keys(rows[0].columns).join(", ")})`, {
        file: files[split],
        column: llmColumn,
      });
    }
  }
  const trainHasColumn = trainRows[0] !== undefined && llmColumn in trainRows[0].columns;
  const task = await benchTask(name, datasetDir, trainRows);
  return { name, files, trainRows, devRows, testRows, trainHasColumn, task };
}

/** The rows whose label is missing or not one of the task's (at most 5 of those labels, for a message). */
export function rowsOutside(
  rows: readonly DataRow[],
  task: Task,
  file: string,
): { count: number; labels: string[]; file: string } {
  const known = new Set(task.labels);
  const labels = new Set<string>();
  let count = 0;
  for (const row of rows) {
    if (row.label !== undefined && known.has(row.label)) continue;
    count += 1;
    if (labels.size < 5) labels.add(row.label ?? "");
  }
  return { count, labels: [...labels], file };
}

/** The dataset's task: the labels of labels.txt, one a line, when there is one; else the training rows'. */
async function benchTask(name: string, directory: string, trainRows: readonly DataRow[]): Promise<Task> {
  const labelsFile = join(directory, labelsFileName);
  if (existsSync(labelsFile)) return { name, labels: await readLabelsFile(labelsFile) };
  return taskFromRows(name, trainRows, join(directory, "train.csv"));
}
