import { rename, rm, writeFile } from "node:fs/promises";
import { stringify } from "csv-stringify/sync";
import { DataError } from "../spec/errors/data-error.js";

/**
 * Writes an RFC 4180 CSV file with a header row, atomically (a temporary file renamed into place),
 * so a crash never leaves a half-written file where a good one was. Throws DataError naming the file.
 */
export async function writeCsvFile(
  path: string,
  columns: readonly string[],
  rows: ReadonlyArray<Readonly<Record<string, string>>>,
): Promise<void> {
  const content = stringify(rows as Record<string, string>[], { header: true, columns: [...columns] });
  const temporaryPath = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temporaryPath, content, "utf8");
    await rename(temporaryPath, path);
  } catch (error) {
    await rm(temporaryPath, { force: true });
    const reason = error instanceof Error && "code" in error ? String(error.code) : String(error);
    throw new DataError(`cannot write the file (${reason})`, { file: path }, { cause: error });
  }
}
