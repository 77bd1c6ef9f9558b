import { DataError } from "../spec/errors/data-error.js";

/** What the row loop needs to know about a checked CSV header. */
export interface CsvHeaderCheck {
  /** 0-based indices of unnamed columns whose value a later unnamed column overwrites. */
  shadowedUnnamed: Int32Array;
  /** 1-based numbers of every unnamed column, for messages. */
  unnamedColumns: readonly number[];
}

const noShadow: CsvHeaderCheck = { shadowedUnnamed: new Int32Array(0), unnamedColumns: [] };

/**
 * Refuses a header (already trimmed) that would silently lose data: a column name given twice
 * (the later column would replace the earlier one), or a single column whose name contains ";" or
 * a tab (a file not separated by commas). Repeated empty names (trailing commas from spreadsheet
 * exports) are allowed; the returned indices let the row loop refuse a row only when a value would
 * actually be lost in them.
 */
export function checkCsvHeader(file: string, header: readonly string[], textColumn: string): CsvHeaderCheck {
  const positions = new Map<string, number[]>();
  for (let index = 0; index < header.length; index++) {
    const name = header[index]!;
    const seen = positions.get(name);
    if (seen === undefined) positions.set(name, [index + 1]);
    else seen.push(index + 1);
  }
  const duplicates: string[] = [];
  let firstName = "";
  let firstColumns = "";
  for (const [name, columns] of positions) {
    if (name === "" || columns.length < 2) continue;
    if (duplicates.length === 0) {
      firstName = name;
      firstColumns = listNumbers(columns);
    }
    duplicates.push(`"${name}" (columns ${listNumbers(columns)})`);
  }
  if (duplicates.length === 1) {
    throw new DataError(
      `duplicate column "${firstName}" in the header (columns ${firstColumns}); rename one of them`,
      { file, row: 0 },
    );
  }
  if (duplicates.length > 1) {
    throw new DataError(`duplicate columns in the header: ${duplicates.join(", ")}; rename them`, {
      file,
      row: 0,
    });
  }
  const only = header.length === 1 ? header[0]! : undefined;
  if (only !== undefined && only !== textColumn) {
    const separator = only.includes(";") ? '";"' : only.includes("\t") ? "tabs" : undefined;
    if (separator !== undefined) {
      throw new DataError(
        `the header is one column ${JSON.stringify(only)}: the fields seem to be separated by ${separator}, but the file must be comma-separated CSV`,
        { file, row: 0 },
      );
    }
  }
  const unnamed = positions.get("");
  if (unnamed === undefined || unnamed.length < 2) return noShadow;
  return {
    shadowedUnnamed: Int32Array.from(unnamed.slice(0, -1), (column) => column - 1),
    unnamedColumns: unnamed,
  };
}

/** Throws when a row has a value in an unnamed column that a later unnamed column would overwrite. */
export function checkShadowedUnnamed(
  file: string,
  check: CsvHeaderCheck,
  record: readonly string[],
  row: number,
): void {
  const shadowed = check.shadowedUnnamed;
  for (let position = 0; position < shadowed.length; position++) {
    const index = shadowed[position]!;
    if (/\S/.test(record[index]!)) {
      throw new DataError(
        `a value in column ${index + 1} would be lost: columns ${listNumbers(check.unnamedColumns)} have no name in the header; name them, or leave the unnamed columns empty`,
        { file, row },
      );
    }
  }
}

function listNumbers(numbers: readonly number[]): string {
  if (numbers.length < 2) return numbers.join("");
  return `${numbers.slice(0, -1).join(", ")} and ${numbers[numbers.length - 1]}`;
}
