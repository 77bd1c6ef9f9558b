import type { DataRow } from "../spec/dataset.js";
import { DataError } from "../spec/errors/data-error.js";
import type { Task } from "../spec/task.js";

/**
 * The gold label id of every row, training rows then calibration rows (-1 where a row has no
 * label: adapting without gold labels, see `referenceOf`). Throws a `DataError` for a label outside
 * the task's label set.
 */
export function resolveGoldIds(
  task: Task,
  trainRows: readonly DataRow[],
  calibRows: readonly DataRow[],
): Int32Array {
  const labelIds = new Map(task.labels.map((label, index) => [label, index]));
  const rows = [...trainRows, ...calibRows];
  const trainCount = trainRows.length;
  const goldIds = new Int32Array(rows.length).fill(-1);
  rows.forEach((row, index) => {
    if (row.label === undefined) return;
    const id = labelIds.get(row.label);
    if (id === undefined) {
      throw new DataError(`label "${row.label}" is not one of the task's labels`, {
        file: index < trainCount ? "training data" : "calibration data",
        row: (index < trainCount ? index : index - trainCount) + 1,
        column: "label",
      });
    }
    goldIds[index] = id;
  });
  return goldIds;
}
