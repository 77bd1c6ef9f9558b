import { createReadStream } from "node:fs";
import { parse } from "csv-parse";
import type { DataRow } from "../spec/dataset.js";
import { DataError } from "../spec/errors/data-error.js";
import { type CsvHeaderCheck, checkCsvHeader, checkShadowedUnnamed } from "./csv-header.js";
import { csvParseError } from "./csv-parse-error.js";
import type { RowReadOptions } from "./row-read-options.js";
import { createRowValidator } from "./row-validator.js";
import { Utf8ChunkDecoder } from "./utf8-chunk-decoder.js";

/**
 * Streams the rows of an RFC 4180 CSV file with a header row (quotes, embedded commas and
 * newlines, BOM, CRLF), strict UTF-8. Memory stays bounded: one read chunk and its rows at a time.
 * Rows are numbered from 1 (the header is row 0). A header that repeats a column name is refused,
 * and a parse error names the data row it happened in (rows before it are yielded first).
 */
export async function* streamCsvRows(file: string, options: RowReadOptions = {}): AsyncGenerator<DataRow> {
  const validate = createRowValidator(file, options);
  const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: true });
  const records: string[][] = [];
  let parseError: unknown;
  parser.on("data", (record: string[]) => records.push(record));
  parser.on("error", (error) => {
    parseError = error;
  });
  const ended = new Promise<void>((resolve) => {
    parser.on("end", resolve);
    parser.on("error", () => resolve());
  });
  const write = (text: string): Promise<void> =>
    new Promise((resolve) => {
      if (text === "") resolve();
      else parser.write(text, () => resolve());
    });

  let header: string[] | undefined;
  let headerIndex = new Map<string, number>();
  let headerCheck: CsvHeaderCheck | undefined;
  const textColumn = options.textColumn ?? "text";
  let row = 0;
  const drain = function* (): Generator<DataRow> {
    for (const record of records) {
      if (header === undefined) {
        header = record.map((name) => name.trim());
        headerCheck = checkCsvHeader(file, header, textColumn);
        headerIndex = new Map(header.map((name, index) => [name, index]));
        continue;
      }
      row += 1;
      if (record.length !== header.length) {
        throw new DataError(`ragged row: ${record.length} fields where the header has ${header.length}`, {
          file,
          row,
        });
      }
      if (headerCheck !== undefined && headerCheck.shadowedUnnamed.length > 0) {
        checkShadowedUnnamed(file, headerCheck, record, row);
      }
      const columns: Record<string, string> = {};
      for (let index = 0; index < header.length; index++) columns[header[index]!] = record[index]!;
      yield validate(columns, row, (column) => headerIndex.has(column));
    }
    records.length = 0;
  };
  const failIfParseError = (): void => {
    if (parseError !== undefined) throw csvParseError(parseError, file, header);
  };

  const decoder = new Utf8ChunkDecoder();
  const stream = createReadStream(file, { signal: options.signal, highWaterMark: 256 * 1024 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const { text, invalidAt } = decoder.decode(chunk);
      await write(text);
      yield* drain();
      failIfParseError();
      if (invalidAt !== undefined) {
        throw new DataError(`invalid UTF-8 at byte ${invalidAt}`, { file, row: row + 1 });
      }
    }
    const { text, invalidAt } = decoder.decode(new Uint8Array(0), true);
    await write(text);
    if (invalidAt !== undefined)
      throw new DataError(`invalid UTF-8 at byte ${invalidAt}`, { file, row: row + 1 });
    parser.end();
    await ended;
    yield* drain();
    failIfParseError();
    if (header === undefined) throw new DataError("empty file: no header row", { file });
  } catch (error) {
    throw wrapReadError(error, file);
  } finally {
    stream.destroy();
    parser.destroy();
  }
}

export function wrapReadError(error: unknown, file: string): unknown {
  if (error instanceof DataError) return error;
  if (error instanceof Error && "code" in error && error.code === "ABORT_ERR") return error;
  if (
    error instanceof Error &&
    "code" in error &&
    typeof error.code === "string" &&
    error.code.startsWith("E")
  ) {
    return new DataError(`cannot read the file: ${error.message}`, { file }, { cause: error });
  }
  return error;
}
