import type { DataRow } from "../spec/dataset.js";
import { DataError } from "../spec/errors/data-error.js";
import type { RowReadOptions } from "./row-read-options.js";

/** Turns raw columns into a DataRow, enforcing the text, label and label-set rules with clear errors. */
export function createRowValidator(
  file: string,
  options: RowReadOptions,
): (columns: Record<string, string>, row: number, present: (column: string) => boolean) => DataRow {
  const textColumn = options.textColumn ?? "text";
  const labelColumn = options.labelColumn ?? "label";
  const labelsOptional = options.labelsOptional ?? false;
  const labelSet = options.labels === undefined ? undefined : new Set(options.labels);
  const someLabels = options.labels === undefined ? "" : describeSome(options.labels);

  return (columns, row, present) => {
    if (!present(textColumn)) {
      throw new DataError(
        `missing text column "${textColumn}" (columns: ${Object.keys(columns).join(", ")})`,
        {
          file,
          row,
          column: textColumn,
        },
      );
    }
    const text = columns[textColumn] ?? "";
    if (text.trim() === "") throw new DataError("empty text", { file, row, column: textColumn });
    const rawLabel = present(labelColumn) ? columns[labelColumn] : undefined;
    if (rawLabel === undefined && !labelsOptional) {
      throw new DataError(
        `missing label column "${labelColumn}" (columns: ${Object.keys(columns).join(", ")}); pass --label-column or allow unlabelled rows`,
        { file, row, column: labelColumn },
      );
    }
    const label = rawLabel === undefined ? undefined : rawLabel.trim();
    if (label === undefined || label === "") {
      if (!labelsOptional) throw new DataError("empty label", { file, row, column: labelColumn });
      return { text, columns };
    }
    if (labelSet !== undefined && !labelSet.has(label)) {
      throw new DataError(`label "${label}" is not in the task's label set (valid: ${someLabels})`, {
        file,
        row,
        column: labelColumn,
      });
    }
    return { text, label, columns };
  };
}

function describeSome(labels: readonly string[]): string {
  const shown = labels.slice(0, 5).map((label) => `"${label}"`);
  return labels.length > 5 ? `${shown.join(", ")}, … ${labels.length} in all` : shown.join(", ");
}
