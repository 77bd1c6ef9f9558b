import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadRecordedAnswers } from "../../src/data/recorded-answers.js";
import { writeCsvFile } from "../../src/data/write-csv.js";
import { DataError } from "../../src/spec/errors/data-error.js";

let folder: string;
beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), "recorded-answers-"));
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe("loadRecordedAnswers", () => {
  it("reads text and the chosen answer column from several files, keeping empty answers", async () => {
    const first = join(folder, "a.csv");
    const second = join(folder, "b.csv");
    writeFileSync(first, 'text,label,gpt4\n"hello, world",x,x\nsecond,y,\n');
    writeFileSync(second, "\uFEFFtext,label,gpt4\r\nthird,z,z\r\n");
    expect(await loadRecordedAnswers([first, second], "gpt4")).toEqual([
      { text: "hello, world", answer: "x" },
      { text: "second", answer: "" },
      { text: "third", answer: "z" },
    ]);
  });

  it("names the file and column when the answer column is missing", async () => {
    const file = join(folder, "c.csv");
    writeFileSync(file, "text,label\nhello,x\n");
    const error = await loadRecordedAnswers([file], "gpt4").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toContain(file);
    expect((error as DataError).message).toContain('"gpt4"');
  });

  it("names the row of an empty text and refuses a missing file", async () => {
    const file = join(folder, "d.csv");
    writeFileSync(file, "text,gpt4\nfine,x\n,y\n");
    await expect(loadRecordedAnswers([file], "gpt4")).rejects.toThrow(/row 2/);
    await expect(loadRecordedAnswers([join(folder, "none.csv")], "gpt4")).rejects.toBeInstanceOf(DataError);
  });
});

describe("writeCsvFile", () => {
  it("writes RFC 4180 CSV that reads back identically, replacing the file whole", async () => {
    const file = join(folder, "out.csv");
    writeFileSync(file, "old content");
    const rows = [
      { text: 'quote " and, comma', answer: "a", raw: "a" },
      { text: "two\nlines", answer: "", raw: "I'm not sure." },
    ];
    await writeCsvFile(file, ["text", "answer", "raw"], rows);
    expect(parse(readFileSync(file, "utf8"), { columns: true })).toEqual(rows);
  });

  it("names the file it cannot write", async () => {
    const file = join(folder, "no-such-folder", "out.csv");
    await expect(writeCsvFile(file, ["text"], [{ text: "x" }])).rejects.toThrow(DataError);
    await expect(writeCsvFile(file, ["text"], [{ text: "x" }])).rejects.toThrow(file);
  });
});
