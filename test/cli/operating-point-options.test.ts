import { describe, expect, it } from "vitest";
import { operatingCriterionOf, operatingPointOptionsSchema } from "../../src/cli/operating-point-options.js";
import { parseOptions } from "../../src/cli/parse-options.js";
import { UsageError } from "../../src/spec/errors/usage-error.js";
import { runCli } from "../support/run-cli.js";

const criterionOf = (raw: Record<string, string>) =>
  operatingCriterionOf(parseOptions(operatingPointOptionsSchema, raw));

describe("--max-lm-share and --lm-cost", () => {
  it("read a number in any spelling", () => {
    expect(criterionOf({ maxLmShare: "1e-1" })).toEqual({ kind: "max-lm-share", maxLmShare: 0.1 });
    expect(criterionOf({ maxLmShare: ".85" })).toEqual({ kind: "max-lm-share", maxLmShare: 0.85 });
    expect(criterionOf({ lmCost: "0.05" })).toEqual({ kind: "lm-cost", lmCost: 0.05 });
    expect(criterionOf({})).toEqual({ kind: "default" });
  });

  it("say whether a value is not a number or out of range", () => {
    expect(() => criterionOf({ maxLmShare: "abc" })).toThrow("--max-lm-share must be a number");
    expect(() => criterionOf({ maxLmShare: "-1" })).toThrow("--max-lm-share must be between 0 and 1");
    expect(() => criterionOf({ maxLmShare: "1.5" })).toThrow("--max-lm-share must be between 0 and 1");
    expect(() => criterionOf({ lmCost: "-0.5" })).toThrow("--lm-cost must not be negative");
    expect(() => criterionOf({ maxLmShare: "0.5", lmCost: "0.1" })).toThrow(UsageError);
  });

  it("--max-disagreement asks for the agreement rule, alone", () => {
    expect(criterionOf({ maxDisagreement: "0.05" })).toEqual({
      kind: "max-disagreement",
      maxDisagreement: 0.05,
    });
    expect(() => criterionOf({ maxDisagreement: "2" })).toThrow("--max-disagreement must be between 0 and 1");
    expect(() => criterionOf({ maxDisagreement: "0.05", lmCost: "0.1" })).toThrow(
      "give either --lm-cost or --max-disagreement, not both",
    );
    expect(() => criterionOf({ maxLmShare: "0.5", lmCost: "0.1" })).toThrow(
      "give either --max-lm-share or --lm-cost, not both",
    );
  });
});

describe("--metric", () => {
  const metricOf = (raw: Record<string, string>) => parseOptions(operatingPointOptionsSchema, raw).metric;

  it("is accuracy by default, or macro-f1", () => {
    expect(metricOf({})).toBe("accuracy");
    expect(metricOf({ metric: "accuracy" })).toBe("accuracy");
    expect(metricOf({ metric: "macro-f1" })).toBe("macro-f1");
  });

  it("names the metrics it knows when given another", () => {
    expect(() => metricOf({ metric: "f1" })).toThrow(UsageError);
    expect(() => metricOf({ metric: "f1" })).toThrow('--metric must be one of accuracy, macro-f1 (got "f1")');
  });

  it("is a usage error (exit 2, no stack trace) in adapt and bench, before anything is read", async () => {
    for (const args of [
      [
        "adapt",
        "--task",
        "t.json",
        "--train",
        "a.csv",
        "--calib",
        "b.csv",
        "--out",
        "x",
        "--metric",
        "recall",
      ],
      ["bench", "no-such-dir", "--llm-column", "gpt4", "--metric", "Macro-F1"],
    ]) {
      const result = await runCli(args);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain("--metric must be one of accuracy, macro-f1 (got");
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
