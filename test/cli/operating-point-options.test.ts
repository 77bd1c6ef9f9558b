import { describe, expect, it } from "vitest";
import { operatingCriterionOf, operatingPointOptionsSchema } from "../../src/cli/operating-point-options.js";
import { parseOptions } from "../../src/cli/parse-options.js";
import { UsageError } from "../../src/spec/errors/usage-error.js";

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
});
