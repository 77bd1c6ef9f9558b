import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import {
  convertOcatsBanking77,
  type OcatsBanking77Sources,
  ocatsBanking77Paths,
  readOcatsLabelNames,
} from "../../src/data/ocats-conversion.js";
import { DataError } from "../../src/spec/errors/index.js";

const fixtureDir = new URL("../fixtures/ocats/", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, fixtureDir), "utf8");
const sources: OcatsBanking77Sources = {
  rawTrain: read(ocatsBanking77Paths.rawTrain),
  dev: read(ocatsBanking77Paths.dev),
  test: read(ocatsBanking77Paths.test),
  labelNames: read(ocatsBanking77Paths.labelNames),
};
const rows = (csv: string) => parse(csv, { columns: true }) as Record<string, string>[];

describe("convertOcatsBanking77", () => {
  const converted = convertOcatsBanking77(sources);

  it("names labels in id order", () => {
    expect(converted.files["labels.txt"]).toBe(
      "activate_my_card\nage_limit\ncard_arrival\nreverted_card_payment?\n",
    );
    expect(converted.counts).toEqual({ train: 4, dev: 2, test: 4, labels: 4 });
  });

  it("keeps the train rows that are not in dev, with label names, texts intact", () => {
    expect(converted.files["train.csv"].split("\n")[0]).toBe("text,label");
    expect(rows(converted.files["train.csv"])).toEqual([
      { text: "Has my card shipped yet?", label: "card_arrival" },
      { text: 'It\'s been 10 days, where is "my" card?', label: "card_arrival" },
      { text: "How old must I be to sign up?", label: "age_limit" },
      { text: "Activate card\n(second line of the same message)", label: "activate_my_card" },
    ]);
  });

  it("maps dev's gpt-label to gpt4, an off-label answer to an empty cell", () => {
    expect(converted.files["dev.csv"]).toBe(
      "text,label,gpt4\nIs there an age requirement?,age_limit,age_limit\nMy payment came back to my account,reverted_card_payment?,\n",
    );
  });

  it("maps the three test answer columns to gpt4, gpt4_noncurated and gpt35", () => {
    expect(converted.files["test.csv"].split("\n")[0]).toBe("text,label,gpt4,gpt4_noncurated,gpt35");
    expect(rows(converted.files["test.csv"])).toEqual([
      {
        text: "When does my card arrive?",
        label: "card_arrival",
        gpt4: "card_arrival",
        gpt4_noncurated: "card_arrival",
        gpt35: "activate_my_card",
      },
      {
        text: "Card came, how to activate, please?",
        label: "activate_my_card",
        gpt4: "activate_my_card",
        gpt4_noncurated: "",
        gpt35: "activate_my_card",
      },
      {
        text: "Why was my card payment reverted?",
        label: "reverted_card_payment?",
        gpt4: "reverted_card_payment?",
        gpt4_noncurated: "reverted_card_payment?",
        gpt35: "",
      },
      {
        text: "Age limit for kids?",
        label: "age_limit",
        gpt4: "card_arrival",
        gpt4_noncurated: "age_limit",
        gpt35: "age_limit",
      },
    ]);
  });

  it("names the file, row and column of a bad gold label", () => {
    const bad = { ...sources, test: "text,label,gpt-label\nhello,9,1\n" };
    expect(() => convertOcatsBanking77(bad)).toThrow(DataError);
    expect(() => convertOcatsBanking77(bad)).toThrow(
      'data/raw/banking77/test.csv, row 1, column "label": "9" is not a label id (0-3)',
    );
  });

  it("rejects a missing answer column and gaps in the label ids", () => {
    expect(() => convertOcatsBanking77({ ...sources, dev: "text,label\nhello,1\n" })).toThrow(
      /column "gpt-label": missing column/,
    );
    expect(() => readOcatsLabelNames("text,label_name,label\na,x,0\nb,z,2\n")).toThrow(
      /label id 1 has no name/,
    );
  });
});
