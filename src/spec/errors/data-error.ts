import { EasyAdaptError } from "./easy-adapt-error.js";

/** Where in the input data a DataError was found. */
export interface DataErrorLocation {
  file: string;
  /** 1-based data row number (the header is row 0 for CSV; the first line is row 1 for JSONL). */
  row?: number;
  column?: string;
}

/** Bad input data: names the file, and where known the row and column. Exit code 1. */
export class DataError extends EasyAdaptError {
  readonly location: DataErrorLocation;

  constructor(message: string, location: DataErrorLocation, options: { cause?: unknown } = {}) {
    const where = [
      location.file,
      location.row === undefined ? undefined : `row ${location.row}`,
      location.column === undefined ? undefined : `column "${location.column}"`,
    ]
      .filter((part) => part !== undefined)
      .join(", ");
    super(`${where}: ${message}`, { ...options, isUserError: true, exitCode: 1 });
    this.name = "DataError";
    this.location = location;
  }
}
