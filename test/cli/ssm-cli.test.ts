import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toyTrainingSet } from "../small-models/contract.case.js";
import { runCli } from "../support/run-cli.js";

let directory: string;
let dataPath: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "easy-adapt-ssm-cli-"));
  const set = toyTrainingSet(30);
  const lines = set.texts.map((text, index) => `"${text}",${set.labels[set.labelIds[index]!]}`);
  dataPath = join(directory, "train.csv");
  await writeFile(dataPath, `text,label\n${lines.join("\n")}\n`);
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe("easy-adapt ssm", () => {
  it("trains, evaluates and predicts with --json", async () => {
    const modelPath = join(directory, "model.bin");
    const train = await runCli([
      "ssm",
      "train",
      "--data",
      dataPath,
      "--out",
      modelPath,
      "--seed",
      "4",
      "--json",
    ]);
    expect(train.stderr).toBe("");
    expect(train.status).toBe(0);
    const trained = JSON.parse(train.stdout) as Record<string, number>;
    expect(Object.keys(trained).sort()).toEqual(["examples", "labels", "peakRssMb", "trainSeconds"]);
    expect(trained["examples"]).toBe(90);
    expect(trained["labels"]).toBe(3);

    const evaluation = await runCli(["ssm", "eval", "--model", modelPath, "--data", dataPath, "--json"]);
    expect(evaluation.status).toBe(0);
    const figures = JSON.parse(evaluation.stdout) as Record<string, number>;
    expect(Object.keys(figures).sort()).toEqual(["accuracy", "examples", "macroF1", "predictMicrosP50"]);
    expect(figures["accuracy"]).toBeGreaterThan(0.8);
    expect(figures["examples"]).toBe(90);

    const prediction = await runCli([
      "ssm",
      "predict",
      "--model",
      modelPath,
      "--json",
      "i want my money back",
    ]);
    expect(prediction.status).toBe(0);
    const answer = JSON.parse(prediction.stdout) as { label: string; probability: number };
    expect(answer.label).toBe("refund");
    expect(answer.probability).toBeGreaterThan(0.34);
  });

  it("reports bad data and bad models plainly, with exit codes", async () => {
    const ragged = join(directory, "ragged.csv");
    await writeFile(ragged, "text,label\nfine,a\nodd,b,c\nmore,b\n");
    const dataFailure = await runCli(["ssm", "train", "--data", ragged, "--out", join(directory, "x.bin")]);
    expect(dataFailure.status).toBe(1);
    expect(dataFailure.stderr).toContain("row 2");
    expect(dataFailure.stderr).not.toContain("    at ");

    const notAModel = await runCli(["ssm", "predict", "--model", dataPath, "hello"]);
    expect(notAModel.status).toBe(1);
    expect(notAModel.stderr).toContain("not an easy-adapt small-model file");

    const badSeed = await runCli([
      "ssm",
      "train",
      "--data",
      dataPath,
      "--out",
      join(directory, "y.bin"),
      "--seed",
      "x",
    ]);
    expect(badSeed.status).toBe(2);
  });
});
