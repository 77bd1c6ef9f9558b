import { findLabelsFile, readLabelsFile, taskNameOfDataFile } from "../data/labels-file.js";
import { loadTask } from "../data/task-file.js";
import { taskFromRows } from "../data/task-from-rows.js";
import type { DataRow } from "../spec/dataset.js";
import { DataError } from "../spec/errors/data-error.js";
import type { Task } from "../spec/task.js";

/** Where the task's labels came from, said in `adapt`'s output when there was no --task. */
export type TaskSource =
  | { kind: "task-file"; file: string }
  | { kind: "labels-file"; file: string }
  | { kind: "training-rows"; file: string };

/**
 * The task `adapt` knows before reading the rows: --task's file, else the labels of a labels.txt
 * beside the training (then calibration) data, named after the data's folder; undefined when
 * neither is there (the training rows' labels decide, see `taskFromTrainingRows`).
 */
export async function taskBeforeRows(
  taskFile: string | undefined,
  dataFiles: { train: string; calib: string },
): Promise<{ task: Task; source: TaskSource } | undefined> {
  if (taskFile !== undefined)
    return { task: await loadTask(taskFile), source: { kind: "task-file", file: taskFile } };
  const labelsFile = findLabelsFile([dataFiles.train, dataFiles.calib]);
  if (labelsFile === undefined) return undefined;
  return {
    task: { name: taskNameOfDataFile(dataFiles.train), labels: await readLabelsFile(labelsFile) },
    source: { kind: "labels-file", file: labelsFile },
  };
}

/**
 * The task whose labels are the distinct labels of the training rows (sorted), for data with
 * neither --task nor labels.txt; a DataError saying what to give when they hold fewer than two.
 */
export function taskFromTrainingRows(
  rows: readonly DataRow[],
  trainFile: string,
  labelColumn: string,
): { task: Task; source: TaskSource } {
  const labels = new Set<string>();
  for (const row of rows) if (row.label !== undefined) labels.add(row.label);
  if (labels.size < 2) {
    throw new DataError(
      `no labels for the task: no --task, no labels.txt beside the data, and the training rows hold ${labels.size} distinct label${labels.size === 1 ? "" : "s"} in column "${labelColumn}" (at least 2 needed): ` +
        "give --task task.json, put labels.txt (one label a line) beside the data, or name the label column with --label-column",
      { file: trainFile },
    );
  }
  return {
    task: taskFromRows(taskNameOfDataFile(trainFile), rows, trainFile),
    source: { kind: "training-rows", file: trainFile },
  };
}

/** The line `adapt` prints on stderr about a task it did not read from --task; undefined for --task. */
export function describeTaskSource(task: Task, source: TaskSource): string | undefined {
  if (source.kind === "task-file") return undefined;
  const where =
    source.kind === "labels-file"
      ? `the ${task.labels.length} labels of ${source.file}`
      : `the ${task.labels.length} distinct labels of the training rows in ${source.file}`;
  return `note: no --task: task "${task.name}" with ${where}`;
}
