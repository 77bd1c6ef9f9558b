import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { DataError } from "../spec/errors/index.js";

/**
 * Banking77 with the LLM answers published by the OCaTS paper (Stogiannidis et al., EMNLP
 * Findings 2023, MIT licence): github.com/stogiannidis/OCaTS, pinned to the commit that added
 * the data. Labels there are Banking77 integer ids; an LLM answer outside the label set is
 * recorded as an id past the last label (77).
 */
export const ocatsRepository = "stogiannidis/OCaTS";
export const ocatsCommit = "5b3284df9650588b587517895eba4c5e09929fb8";
export const ocatsRawBaseUrl = `https://raw.githubusercontent.com/${ocatsRepository}/${ocatsCommit}/`;

/** The source files, by their path in the OCaTS repository. */
export const ocatsBanking77Paths = {
  /** The official Banking77 train split (10,003 rows): `text,label` (label = id). */
  rawTrain: "data/raw/banking77/train.csv",
  /** 1,001 rows held out of the train split: `text,label,gpt-label` (GPT-4 with curated examples). */
  dev: "data/processed/banking77/dev.csv",
  /** The official test split (3,080 rows): `text,label,gpt-label,gpt4-label_nonrep,gpt35-label_rep`. */
  test: "data/raw/banking77/test.csv",
  /** The few-shot examples, `text,label_name,label`: every id with its name. */
  labelNames: "data/processed/banking77/train.csv",
  license: "LICENSE",
} as const;

/** OCaTS answer columns → the shared-datasets column names. */
export const ocatsAnswerColumns: Readonly<Record<string, string>> = {
  "gpt-label": "gpt4",
  "gpt4-label_nonrep": "gpt4_noncurated",
  "gpt35-label_rep": "gpt35",
};

export interface OcatsBanking77Sources {
  rawTrain: string;
  dev: string;
  test: string;
  labelNames: string;
}

/** The converted dataset, as file name → content, in the ../shared/datasets format. */
export interface ConvertedDataset {
  files: { "train.csv": string; "dev.csv": string; "test.csv": string; "labels.txt": string };
  counts: { train: number; dev: number; test: number; labels: number };
}

type Row = Record<string, string>;

function readCsv(text: string, file: string, requiredColumns: readonly string[]): Row[] {
  let rows: Row[];
  try {
    rows = parse(text, {
      columns: true,
      bom: true,
      skip_empty_lines: true,
      relax_column_count: false,
    }) as Row[];
  } catch (error) {
    throw new DataError(
      `cannot parse CSV: ${error instanceof Error ? error.message : String(error)}`,
      { file },
      { cause: error },
    );
  }
  const header = rows[0] === undefined ? [] : Object.keys(rows[0]);
  for (const column of requiredColumns) {
    if (!header.includes(column)) {
      throw new DataError(`missing column (found: ${header.join(", ") || "no rows"})`, { file, column });
    }
  }
  return rows;
}

function parseId(value: string | undefined): number | undefined {
  if (value === undefined || !/^-?\d+$/.test(value.trim())) return undefined;
  return Number.parseInt(value.trim(), 10);
}

/** Label names in id order, from the `text,label_name,label` file; ids must run 0..n-1 without gaps. */
export function readOcatsLabelNames(text: string, file = ocatsBanking77Paths.labelNames): string[] {
  const names: string[] = [];
  readCsv(text, file, ["label_name", "label"]).forEach((row, index) => {
    const id = parseId(row["label"]);
    const name = row["label_name"]?.trim() ?? "";
    if (id === undefined || id < 0 || name === "") {
      throw new DataError(`expected a label id and name, got "${row["label"]}", "${row["label_name"]}"`, {
        file,
        row: index + 1,
        column: "label",
      });
    }
    const known = names[id];
    if (known !== undefined && known !== name) {
      throw new DataError(`id ${id} is named both "${known}" and "${name}"`, {
        file,
        row: index + 1,
        column: "label_name",
      });
    }
    names[id] = name;
  });
  for (let id = 0; id < names.length; id++) {
    if (names[id] === undefined) throw new DataError(`label id ${id} has no name`, { file, column: "label" });
  }
  return names;
}

function goldName(row: Row, rowNumber: number, file: string, names: readonly string[]): string {
  const id = parseId(row["label"]);
  const name = id === undefined ? undefined : names[id];
  if (name === undefined) {
    throw new DataError(`"${row["label"]}" is not a label id (0-${names.length - 1})`, {
      file,
      row: rowNumber,
      column: "label",
    });
  }
  return name;
}

/** An LLM's recorded answer: its label name, or "" when it answered off the label set. */
function answerName(value: string | undefined, names: readonly string[]): string {
  const id = parseId(value);
  return id === undefined ? "" : (names[id] ?? "");
}

function convertSplit(
  text: string,
  file: string,
  names: readonly string[],
  answerColumns: readonly string[],
): { header: string[]; rows: string[][]; texts: string[] } {
  const sourceRows = readCsv(text, file, ["text", "label", ...answerColumns]);
  const present = sourceRows[0] ?? {};
  const sourceAnswers = Object.keys(ocatsAnswerColumns).filter((column) => column in present);
  const rows: string[][] = [];
  const texts: string[] = [];
  sourceRows.forEach((row, index) => {
    const rowText = row["text"] ?? "";
    if (rowText.trim() === "") throw new DataError("empty text", { file, row: index + 1, column: "text" });
    texts.push(rowText);
    rows.push([
      rowText,
      goldName(row, index + 1, file, names),
      ...sourceAnswers.map((column) => answerName(row[column], names)),
    ]);
  });
  return {
    header: ["text", "label", ...sourceAnswers.map((column) => ocatsAnswerColumns[column]!)],
    rows,
    texts,
  };
}

function toCsv(header: string[], rows: string[][]): string {
  return stringify([header, ...rows], { record_delimiter: "unix" });
}

/**
 * Converts the OCaTS Banking77 files to the shared-datasets format: `train.csv` (the official
 * train split minus the dev rows, gold only), `dev.csv` (`text,label,gpt4`), `test.csv`
 * (`text,label,gpt4,gpt4_noncurated,gpt35`) and `labels.txt` (names in id order). Pure.
 */
export function convertOcatsBanking77(sources: OcatsBanking77Sources): ConvertedDataset {
  const names = readOcatsLabelNames(sources.labelNames);
  const dev = convertSplit(sources.dev, ocatsBanking77Paths.dev, names, ["gpt-label"]);
  const test = convertSplit(sources.test, ocatsBanking77Paths.test, names, ["gpt-label"]);
  const rawTrain = convertSplit(sources.rawTrain, ocatsBanking77Paths.rawTrain, names, []);
  const devTexts = new Set(dev.texts);
  const trainRows = rawTrain.rows.filter((row) => !devTexts.has(row[0]!)).map((row) => row.slice(0, 2));
  return {
    files: {
      "train.csv": toCsv(["text", "label"], trainRows),
      "dev.csv": toCsv(dev.header, dev.rows),
      "test.csv": toCsv(test.header, test.rows),
      "labels.txt": `${names.join("\n")}\n`,
    },
    counts: { train: trainRows.length, dev: dev.rows.length, test: test.rows.length, labels: names.length },
  };
}
