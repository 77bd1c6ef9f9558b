import type { DataRow } from "../spec/dataset.js";
import { DataError } from "../spec/errors/data-error.js";
import type { TrainingSet } from "../spec/small-model.js";
import type { Task } from "../spec/task.js";

/** The labelled rows as a TrainingSet in the task's label order (unlabelled rows are skipped). */
export function trainingSetFromRows(rows: readonly DataRow[], task: Task, file = "(data)"): TrainingSet {
  const labelIndex = new Map(task.labels.map((label, index) => [label, index]));
  const texts: string[] = [];
  const ids: number[] = [];
  rows.forEach((row, index) => {
    if (row.label === undefined) return;
    const id = labelIndex.get(row.label);
    if (id === undefined) {
      throw new DataError(`label "${row.label}" is not in the task's label set`, { file, row: index + 1 });
    }
    texts.push(row.text);
    ids.push(id);
  });
  return { texts, labelIds: Int32Array.from(ids), labels: task.labels };
}
