import { CsvError } from "csv-parse";
import { DataError } from "../spec/errors/data-error.js";

/** The context csv-parse 6 copies onto a CsvError (see its `__infoField`). */
interface CsvErrorContext {
  /** Records completed before the failing one, the header included: the failing data row's number. */
  records?: unknown;
  /** The physical line (1-based) where the parser noticed the problem. */
  lines?: unknown;
  /** 0-based index of the field being read. */
  column?: unknown;
}

const stray = 'a stray " inside a quoted field must be doubled: ""';

/**
 * Turns a csv-parse error into a DataError naming the file, the data row (the header is row 0,
 * as in `streamCsvRows`), the column when the header is known, and the physical line, with a plain
 * sentence for the error codes csv-parse 6 throws under our options. Unknown errors keep the
 * parser's text and name no row rather than a wrong one.
 */
export function csvParseError(
  error: unknown,
  file: string,
  header: readonly string[] | undefined,
): DataError {
  if (!(error instanceof CsvError)) {
    const message = error instanceof Error ? error.message : String(error);
    return new DataError(`invalid CSV: ${message}`, { file }, { cause: error });
  }
  const context = error as CsvError & CsvErrorContext;
  const row = typeof context.records === "number" ? context.records : undefined;
  const line = typeof context.lines === "number" ? context.lines : undefined;
  const name =
    row !== undefined && row > 0 && header !== undefined && typeof context.column === "number"
      ? header[context.column]
      : undefined;
  const plain = describeCode(error);
  const where = line === undefined ? "" : `, detected at line ${line}`;
  return new DataError(
    plain === undefined ? `invalid CSV${where}: ${error.message}` : `invalid CSV: ${plain}${where}`,
    { file, row, column: name === undefined || name === "" ? undefined : name },
    { cause: error },
  );
}

function describeCode(error: CsvError): string | undefined {
  switch (error.code) {
    case "CSV_INVALID_CLOSING_QUOTE": {
      const separator = /got "([;\t|])"/.exec(error.message)?.[1];
      if (separator !== undefined) {
        const shown = separator === "\t" ? "a tab" : `"${separator}"`;
        return `a quoted field is followed by ${shown} instead of a comma: the file must be comma-separated CSV`;
      }
      return `a quoted field is not closed properly (${stray})`;
    }
    case "CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE":
      return `a quoted field is not closed properly (${stray})`;
    case "CSV_QUOTE_NOT_CLOSED":
      return `a quote opened on this row is never closed: the file ends inside a quoted field (${stray})`;
    case "INVALID_OPENING_QUOTE":
      return 'a quote appears in the middle of an unquoted field (quote the whole field and double the quote inside it: "")';
    case "CSV_RECORD_INCONSISTENT_FIELDS_LENGTH":
    case "CSV_RECORD_INCONSISTENT_COLUMNS":
      return "the row has a different number of fields than the header";
    case "CSV_MAX_RECORD_SIZE":
      return "the row is too large";
    default:
      return undefined;
  }
}
