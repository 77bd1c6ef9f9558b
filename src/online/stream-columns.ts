import { existsSync } from "node:fs";
import { join } from "node:path";
import { streamRows } from "../data/stream-rows.js";
import { DataError } from "../spec/errors/data-error.js";
import { UsageError } from "../spec/errors/usage-error.js";
import type { StreamSplit } from "./stream-dataset.js";

const allSplits: readonly StreamSplit[] = ["train", "dev", "test"];
/** The columns of a dataset file that are not an LLM's answers: the input and its gold label. */
const ownColumns = new Set(["text", "label"]);

/** The columns of a split's file (those of its first row), or undefined when the file is missing or empty. */
export async function splitColumns(datasetDir: string, split: StreamSplit): Promise<string[] | undefined> {
  const file = join(datasetDir, `${split}.csv`);
  if (!existsSync(file)) return undefined;
  for await (const row of streamRows(file, { labelsOptional: true })) return Object.keys(row.columns);
  return undefined;
}

/** The LLM columns among a file's columns: all but the text and the gold label. */
function llmColumnsOf(columns: readonly string[]): string[] {
  return columns.filter((column) => !ownColumns.has(column));
}

/**
 * Refuses `--llm-column text` or `--llm-column label` (the input, the gold label: not an LLM's
 * answers), naming the LLM columns the folder's split files have.
 */
export async function checkLlmColumn(datasetDir: string, llmColumn: string): Promise<void> {
  if (!ownColumns.has(llmColumn)) return;
  const columns = new Set<string>();
  for (const split of allSplits) {
    for (const column of llmColumnsOf((await splitColumns(datasetDir, split)) ?? [])) columns.add(column);
  }
  const what = llmColumn === "label" ? "the gold label column" : "the input text column";
  throw new UsageError(
    `--llm-column ${llmColumn} is ${what}, not an LLM's answers: ` +
      (columns.size === 0
        ? "the dataset's files have no LLM column"
        : `the LLM columns of the dataset's files are ${[...columns].join(", ")}`),
  );
}

/**
 * The error for a split whose file lacks `llmColumn`: names the file's columns, and the splits of
 * the folder that carry the column with the `--splits` that streams them (computed from the files).
 */
export async function missingLlmColumnError(
  datasetDir: string,
  llmColumn: string,
  split: StreamSplit,
  columns: readonly string[],
): Promise<DataError> {
  const carriers: StreamSplit[] = [];
  for (const candidate of allSplits) {
    if ((await splitColumns(datasetDir, candidate))?.includes(llmColumn)) carriers.push(candidate);
  }
  const hint =
    carriers.length === 0
      ? `no split carries it (LLM columns here: ${llmColumnsOf(columns).join(", ") || "none"})`
      : `the splits carrying "${llmColumn}" are ${carriers.join(", ")}: use --splits ${carriers.join(",")}`;
  return new DataError(`no column "${llmColumn}" (columns: ${columns.join(", ")}); ${hint}`, {
    file: join(datasetDir, `${split}.csv`),
    column: llmColumn,
  });
}
