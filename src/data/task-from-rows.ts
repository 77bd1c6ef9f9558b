import type { DataRow } from "../spec/dataset.js";
import { DataError } from "../spec/errors/data-error.js";
import type { Task } from "../spec/task.js";

/** A task whose label set is the distinct labels of the rows, sorted (code-point order, deterministic). */
export function taskFromRows(name: string, rows: Iterable<DataRow>, file = "(data)"): Task {
  const labels = new Set<string>();
  for (const row of rows) if (row.label !== undefined) labels.add(row.label);
  if (labels.size < 2) {
    throw new DataError(`needs at least two distinct labels to define a task, found ${labels.size}`, {
      file,
    });
  }
  return { name, labels: [...labels].sort((left, right) => (left < right ? -1 : left > right ? 1 : 0)) };
}
