import { rename, writeFile } from "node:fs/promises";
import { stringify } from "csv-stringify/sync";

/**
 * Writes an RFC 4180 CSV file with a header row, atomically (a temporary file renamed into place),
 * so a crash never leaves a half-written file where a good one was.
 */
export async function writeCsvFile(
  path: string,
  columns: readonly string[],
  rows: ReadonlyArray<Readonly<Record<string, string>>>,
): Promise<void> {
  const content = stringify(rows as Record<string, string>[], { header: true, columns: [...columns] });
  const temporaryPath = `${path}.${process.pid}.tmp`;
  await writeFile(temporaryPath, content, "utf8");
  await rename(temporaryPath, path);
}
