import { readFile } from "node:fs/promises";
import { parse } from "csv-parse/sync";
import { z } from "zod";
import { DataError } from "../spec/errors/data-error.js";
import { nodeErrorCode } from "../util/node-error-code.js";

/** One recorded LM answer: the text it was asked about and its answer (a label name; "" when off the label set). */
export interface RecordedAnswer {
  text: string;
  answer: string;
}

const recordsSchema = z.array(z.record(z.string(), z.string()));

/**
 * Reads the recorded answers of one LLM column from dataset CSV files (the ../shared/datasets format:
 * a header row with `text`, `label` and one column per LLM). Throws DataError naming the file and column.
 */
export async function loadRecordedAnswers(
  files: readonly string[],
  answerColumn: string,
  options: { textColumn?: string } = {},
): Promise<RecordedAnswer[]> {
  const textColumn = options.textColumn ?? "text";
  const answers: RecordedAnswer[] = [];
  for (const file of files) {
    let content: string;
    try {
      content = await readFile(file, "utf8");
    } catch (error) {
      throw new DataError(
        `cannot read the file (${nodeErrorCode(error) ?? String(error)})`,
        { file },
        {
          cause: error,
        },
      );
    }
    let records: Record<string, string>[];
    try {
      records = recordsSchema.parse(parse(content, { columns: true, bom: true, skip_empty_lines: true }));
    } catch (error) {
      throw new DataError(
        `not a valid CSV file (${error instanceof Error ? error.message : String(error)})`,
        { file },
        {
          cause: error,
        },
      );
    }
    const first = records[0];
    if (first === undefined) continue;
    for (const column of [textColumn, answerColumn]) {
      if (!(column in first)) {
        throw new DataError(`no column "${column}" (columns: ${Object.keys(first).join(", ")})`, {
          file,
          column,
        });
      }
    }
    records.forEach((record, index) => {
      const text = record[textColumn];
      if (text === undefined || text.trim() === "") {
        throw new DataError("empty text", { file, row: index + 1, column: textColumn });
      }
      answers.push({ text, answer: record[answerColumn] ?? "" });
    });
  }
  return answers;
}
