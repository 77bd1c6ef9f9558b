import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadRows, streamRows } from "../../src/data/stream-rows.js";
import { DataError } from "../../src/spec/errors/data-error.js";

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/data/${name}`, import.meta.url));

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "easy-adapt-data-"));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function writeTemporary(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, content);
  return path;
}

async function dataErrorOf(promise: Promise<unknown>): Promise<DataError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DataError);
  return error as DataError;
}

describe("loadRows on CSV", () => {
  it("reads RFC 4180 quoting, embedded commas and newlines, a BOM and CRLF", async () => {
    const rows = await loadRows(fixture("rfc4180.csv"));
    expect(rows.map((row) => row.text)).toEqual([
      "Hello, world",
      'She said "hi"\r\nthen left',
      "plain text",
      "Grüße – ﬁne",
    ]);
    expect(rows.map((row) => row.label)).toEqual(["greeting", "greeting", "farewell", "farewell"]);
    expect(rows[2]?.columns).toEqual({ text: "plain text", label: "farewell", note: "c,d" });
  });

  it("reads other text and label columns", async () => {
    const path = await writeTemporary("columns.csv", "id,body,gold\n1,some words,x\n2,more words,y\n");
    const rows = await loadRows(path, { textColumn: "body", labelColumn: "gold" });
    expect(rows.map((row) => [row.text, row.label])).toEqual([
      ["some words", "x"],
      ["more words", "y"],
    ]);
  });

  it("names the file, row and column of a missing column", async () => {
    const path = await writeTemporary("missing.csv", "body,label\nhello,a\n");
    const error = await dataErrorOf(loadRows(path));
    expect(error.location).toEqual({ file: path, row: 1, column: "text" });
    expect(error.message).toContain('missing text column "text"');
  });

  it("refuses an empty text and an empty label unless labels are optional", async () => {
    const emptyText = await writeTemporary("empty-text.csv", "text,label\nfine,a\n  ,b\n");
    const textError = await dataErrorOf(loadRows(emptyText, { labelsOptional: true }));
    expect(textError.location).toEqual({ file: emptyText, row: 2, column: "text" });
    const emptyLabel = await writeTemporary("empty-label.csv", "text,label\nfine,a\nunlabelled,\n");
    const labelError = await dataErrorOf(loadRows(emptyLabel));
    expect(labelError.location).toEqual({ file: emptyLabel, row: 2, column: "label" });
    const rows = await loadRows(emptyLabel, { labelsOptional: true });
    expect(rows.map((row) => row.label)).toEqual(["a", undefined]);
  });

  it("allows a file without a label column when labels are optional", async () => {
    const path = await writeTemporary("texts-only.csv", "text\none\ntwo\n");
    const rows = await loadRows(path, { labelsOptional: true });
    expect(rows.map((row) => [row.text, row.label])).toEqual([
      ["one", undefined],
      ["two", undefined],
    ]);
    await dataErrorOf(loadRows(path));
  });

  it("names the label that is not in the task's label set and lists valid ones", async () => {
    const path = await writeTemporary("labels.csv", "text,label\nfine,a\nodd one,zebra\n");
    const error = await dataErrorOf(loadRows(path, { labels: ["a", "b", "c"] }));
    expect(error.location).toEqual({ file: path, row: 2, column: "label" });
    expect(error.message).toContain('label "zebra"');
    expect(error.message).toContain('"a", "b", "c"');
  });

  it("refuses a ragged row, naming it", async () => {
    const path = await writeTemporary("ragged.csv", "text,label\nfine,a\ntoo,many,fields\n");
    const error = await dataErrorOf(loadRows(path));
    expect(error.location.row).toBe(2);
    expect(error.message).toContain("ragged row");
  });

  it("refuses invalid UTF-8, naming the row", async () => {
    const error = await dataErrorOf(loadRows(fixture("invalid-utf8.csv")));
    expect(error.location.row).toBe(3);
    expect(error.message).toContain("invalid UTF-8");
  });

  it("finds invalid UTF-8 far into a file read in several chunks", async () => {
    const good = "text,label\n" + "a line of text with é accents,a\n".repeat(20_000);
    const bytes = Buffer.concat([Buffer.from(good), Buffer.from([0x62, 0xc3, 0x28, 0x2c, 0x61, 0x0a])]);
    const path = await writeTemporary("late-invalid.csv", bytes);
    const error = await dataErrorOf(loadRows(path));
    expect(error.location.row).toBe(20_001);
  });

  it("keeps a multi-byte character split across read chunks intact", async () => {
    const filler = "x".repeat(256 * 1024 - "text,label\n".length - 1);
    const path = await writeTemporary("split.csv", `text,label\n${filler}é,a\n`);
    const rows = await loadRows(path);
    expect(rows[0]?.text.endsWith("xé")).toBe(true);
  });

  it("refuses an unclosed quote with the file named", async () => {
    const path = await writeTemporary("unclosed.csv", 'text,label\n"never closed,a\n');
    const error = await dataErrorOf(loadRows(path));
    expect(error.message).toContain("invalid CSV");
  });

  it("refuses a header that repeats a column name, naming the columns", async () => {
    const path = await writeTemporary("duplicate.csv", "text,label,text\nfirst,a,x\n");
    const error = await dataErrorOf(loadRows(path));
    expect(error.location).toEqual({ file: path, row: 0 });
    expect(error.message).toBe(
      `${path}, row 0: duplicate column "text" in the header (columns 1 and 3); rename one of them`,
    );
    const padded = await writeTemporary("duplicate-padded.csv", "text,label, label,text \nfirst,a,b,x\n");
    const both = await dataErrorOf(loadRows(padded));
    expect(both.message).toContain('"text" (columns 1 and 4), "label" (columns 2 and 3)');
  });

  it("allows repeated unnamed columns unless a value in them would be lost", async () => {
    const trailing = await writeTemporary("trailing.csv", "text,label,,\nfirst,a,,\nsecond,b,,kept\n");
    const rows = await loadRows(trailing);
    expect(rows.map((row) => [row.text, row.columns[""]])).toEqual([
      ["first", ""],
      ["second", "kept"],
    ]);
    const losing = await writeTemporary("losing.csv", "text,label,,\nfirst,a,,\nsecond,b,lost,\n");
    const error = await dataErrorOf(loadRows(losing));
    expect(error.location).toEqual({ file: losing, row: 2 });
    expect(error.message).toContain("column 3 would be lost");
  });

  it("names the data row and line of a bad quote on a later row, in plain words", async () => {
    const good = (index: number): string => `"row ${index}",a\n`;
    const lines = ["text,label\n", ...Array.from({ length: 8 }, (_, index) => good(index + 1))];
    const path = await writeTemporary("bad-quote.csv", `${lines.join("")}"unterminated,a\n"next row",a\n`);
    const error = await dataErrorOf(loadRows(path));
    expect(error.location).toEqual({ file: path, row: 9, column: "text" });
    expect(error.message).toBe(
      `${path}, row 9, column "text": invalid CSV: a quoted field is not closed properly (a stray " inside a quoted field must be doubled: ""), detected at line 11`,
    );
    const opening = await writeTemporary("opening-quote.csv", 'text,label\nfine,a\nfine,a\n5 "inch",a\n');
    const openingError = await dataErrorOf(loadRows(opening));
    expect(openingError.location).toEqual({ file: opening, row: 3, column: "text" });
    expect(openingError.message).toContain("line 4");
    expect(openingError.message).not.toContain("Invalid Opening Quote");
  });

  it("names the row of a bad quote far into a file read in several chunks", async () => {
    const good = "text,label\n" + "a line of plain text,a\n".repeat(20_000);
    const path = await writeTemporary("late-quote.csv", `${good}fine,a\nbad "quote,a\n`);
    const error = await dataErrorOf(loadRows(path));
    expect(error.location.row).toBe(20_002);
    expect(error.message).toContain("detected at line 20003");
  });

  it("says a semicolon-separated file is not comma-separated, at the header", async () => {
    const plain = await writeTemporary("semicolon.csv", "text;label\nhello;a\n");
    const plainError = await dataErrorOf(loadRows(plain));
    expect(plainError.location).toEqual({ file: plain, row: 0 });
    expect(plainError.message).toContain('separated by ";"');
    const quoted = await writeTemporary("semicolon-quoted.csv", '"text";"label"\n"hello";"a"\n');
    const quotedError = await dataErrorOf(loadRows(quoted));
    expect(quotedError.location.row).toBe(0);
    expect(quotedError.message).toContain('followed by ";" instead of a comma');
  });

  it("names a file that cannot be read", async () => {
    const error = await dataErrorOf(loadRows(join(directory, "absent.csv")));
    expect(error.location.file).toContain("absent.csv");
  });

  it("streams a large file row by row", async () => {
    const path = await writeTemporary("large.csv", "text,label\n" + "row text,a\n".repeat(50_000));
    let count = 0;
    for await (const row of streamRows(path)) {
      if (row.label === "a") count++;
    }
    expect(count).toBe(50_000);
  });
});

describe("loadRows on JSONL", () => {
  it("reads objects line by line, skipping blank lines, keeping other fields as text", async () => {
    const rows = await loadRows(fixture("rows.jsonl"), { labelsOptional: true });
    expect(rows.map((row) => [row.text, row.label])).toEqual([
      ["first row", "a"],
      ["second row", "b"],
      ["no label here", undefined],
    ]);
    expect(rows[0]?.columns["score"]).toBe("3");
  });

  it("names the line of invalid JSON and of a missing label", async () => {
    const broken = await writeTemporary("broken.jsonl", '{"text":"a","label":"x"}\n{"text": oops}\n');
    expect((await dataErrorOf(loadRows(broken))).location.row).toBe(2);
    const unlabelled = await dataErrorOf(loadRows(fixture("rows.jsonl")));
    expect(unlabelled.location).toEqual({ file: fixture("rows.jsonl"), row: 4, column: "label" });
  });
});
