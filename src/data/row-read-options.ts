import type { ColumnOptions } from "../spec/dataset.js";

/** How `streamRows` / `loadRows` read a CSV or JSONL file. */
export interface RowReadOptions extends ColumnOptions {
  /** Allow rows without a label (an absent label column, an empty cell or a missing JSON key). Default false. */
  labelsOptional?: boolean;
  /** When given, every label present must be one of these (the task's label set). */
  labels?: readonly string[];
  /** File format; by default `.jsonl` / `.ndjson` files are JSONL and everything else CSV. */
  format?: "csv" | "jsonl";
  /** Stops reading (the iterator throws the signal's reason). */
  signal?: AbortSignal;
}

export function detectFormat(file: string, format: RowReadOptions["format"]): "csv" | "jsonl" {
  if (format !== undefined) return format;
  return /\.(jsonl|ndjson)$/i.test(file) ? "jsonl" : "csv";
}
