import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { DataError } from "../spec/errors/data-error.js";

/** The name of the file listing a dataset's labels, one a line, beside its data (../shared/datasets format). */
export const labelsFileName = "labels.txt";

/**
 * The labels of a labels.txt file: one a line, blank lines and surrounding spaces ignored; at least
 * two, all distinct (a DataError naming the file otherwise).
 */
export async function readLabelsFile(file: string): Promise<string[]> {
  let source: string;
  try {
    source = await readFile(file, "utf8");
  } catch (error) {
    throw new DataError(
      `cannot read the labels file: ${(error as Error).message}`,
      { file },
      { cause: error },
    );
  }
  const labels = source
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "");
  if (new Set(labels).size !== labels.length || labels.length < 2) {
    throw new DataError(`${labelsFileName} needs at least two distinct labels, one a line`, { file });
  }
  return labels;
}

/** The first labels.txt found in the folders of `dataFiles`, in their order; undefined when none has one. */
export function findLabelsFile(dataFiles: readonly string[]): string | undefined {
  for (const file of dataFiles) {
    const candidate = join(dirname(file), labelsFileName);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** A task name for data with no task file: the name of the folder holding `dataFile` (e.g. "banking77"). */
export function taskNameOfDataFile(dataFile: string): string {
  return basename(dirname(resolve(dataFile))) || "task";
}
