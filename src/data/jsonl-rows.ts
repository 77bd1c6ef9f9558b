import { createReadStream } from "node:fs";
import type { DataRow } from "../spec/dataset.js";
import { DataError } from "../spec/errors/data-error.js";
import { wrapReadError } from "./csv-rows.js";
import type { RowReadOptions } from "./row-read-options.js";
import { createRowValidator } from "./row-validator.js";
import { Utf8ChunkDecoder } from "./utf8-chunk-decoder.js";

/**
 * Streams the rows of a JSONL file: one JSON object per line, blank lines skipped, strict UTF-8.
 * Rows are numbered by line (the first line is row 1). Non-string values are kept in `columns` as
 * their JSON text (numbers and booleans as written, null as "").
 */
export async function* streamJsonlRows(file: string, options: RowReadOptions = {}): AsyncGenerator<DataRow> {
  const validate = createRowValidator(file, options);
  const decoder = new Utf8ChunkDecoder();
  const stream = createReadStream(file, { signal: options.signal, highWaterMark: 256 * 1024 });
  let carry = "";
  let line = 0;
  const parseLine = (text: string): DataRow | undefined => {
    line += 1;
    const trimmed = line === 1 ? text.replace(/^\uFEFF/, "").trim() : text.trim();
    if (trimmed === "") return undefined;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      throw new DataError(`invalid JSON: ${(error as Error).message}`, { file, row: line }, { cause: error });
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new DataError("each line must be a JSON object", { file, row: line });
    }
    const columns: Record<string, string> = {};
    for (const [key, field] of Object.entries(value)) {
      columns[key] =
        typeof field === "string"
          ? field
          : field === null || field === undefined
            ? ""
            : JSON.stringify(field);
    }
    const record = value as Record<string, unknown>;
    return validate(columns, line, (column) => Object.hasOwn(record, column) && record[column] !== null);
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const { text, invalidAt } = decoder.decode(chunk);
      const lines = (carry + text).split("\n");
      const last = lines.pop()!;
      carry = invalidAt === undefined ? last : "";
      for (const lineText of lines) {
        const row = parseLine(lineText);
        if (row !== undefined) yield row;
      }
      if (invalidAt !== undefined) {
        throw new DataError(`invalid UTF-8 at byte ${invalidAt}`, { file, row: line + 1 });
      }
    }
    const { text, invalidAt } = decoder.decode(new Uint8Array(0), true);
    if (invalidAt !== undefined)
      throw new DataError(`invalid UTF-8 at byte ${invalidAt}`, { file, row: line + 1 });
    const row = parseLine(carry + text);
    if (row !== undefined) yield row;
  } catch (error) {
    throw wrapReadError(error, file);
  } finally {
    stream.destroy();
  }
}
