import type { DataRow } from "../spec/dataset.js";
import { streamCsvRows } from "./csv-rows.js";
import { streamJsonlRows } from "./jsonl-rows.js";
import { detectFormat, type RowReadOptions } from "./row-read-options.js";

/**
 * Streams the rows of a CSV or JSONL file in bounded memory. Every row has non-empty text; rows
 * have a label unless `labelsOptional` is set and the cell is empty or absent. Throws DataError
 * naming the file, row and column on bad input.
 */
export function streamRows(file: string, options: RowReadOptions = {}): AsyncGenerator<DataRow> {
  return detectFormat(file, options.format) === "jsonl"
    ? streamJsonlRows(file, options)
    : streamCsvRows(file, options);
}

/** All rows of a CSV or JSONL file, in file order (see `streamRows`). */
export async function loadRows(file: string, options: RowReadOptions = {}): Promise<DataRow[]> {
  const rows: DataRow[] = [];
  for await (const row of streamRows(file, options)) rows.push(row);
  return rows;
}
