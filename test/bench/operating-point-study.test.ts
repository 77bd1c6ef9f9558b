import { describe, expect, it } from "vitest";
import { applyThreshold, mean, type Outcomes } from "../../bench/operating-point-study/outcomes.js";
import { capRules, caps, studiedRules } from "../../bench/operating-point-study/rules.js";
import { parseStudyOptions } from "../../bench/operating-point-study/study-options.js";
import { addAnswerNoise, nullSsm } from "../../bench/operating-point-study/synthetic-outcomes.js";
import { chooseRule, type Verdict } from "../../bench/operating-point-study/verdict.js";
import type { DataRow } from "../../src/spec/dataset.js";

const outcomes: Outcomes = {
  scores: Float64Array.from([0.1, 0.5, 0.9, 0.5]),
  ssmRight: Uint8Array.from([1, 0, 0, 1]),
  gatedRight: Uint8Array.from([1, 1, 1, 1]),
  lmRight: Uint8Array.from([0, 1, 1, 0]),
};

describe("operating-point study", () => {
  it("reads its options, with the study's defaults", () => {
    expect(parseStudyOptions([])).toEqual({
      splitCount: 200,
      selectionShares: [0.5, 0.67],
      seed: 1,
      json: false,
      cacheFile: "",
    });
    expect(parseStudyOptions(["--splits", "5", "--selection", "0.6", "--json", "--cache", "c.json"])).toEqual(
      {
        splitCount: 5,
        selectionShares: [0.6],
        seed: 1,
        json: true,
        cacheFile: "c.json",
      },
    );
  });

  it("routes the rows scored at or above the threshold to the LM and measures them against the LM alone", () => {
    // Rows 1, 2, 3 go to the LM (gated answer right), row 0 stays with the SSM (right): 4 right, LM alone 2.
    expect(applyThreshold(outcomes, [0, 1, 2, 3], 0.5)).toEqual({ gain: 0.5, lmShare: 0.75 });
    expect(applyThreshold(outcomes, [1, 2], 1)).toEqual({ gain: -1, lmShare: 0 });
    expect(applyThreshold(outcomes, [], 0.5)).toEqual({ gain: 0, lmShare: 0 });
  });

  it("chooses the cheapest qualifying rule, a tie within half a point of share going to the earliest", () => {
    const verdict = (rule: string, pooledShare: number, qualifies = true): Verdict => ({
      rule,
      worstBelow: 0,
      lowestMean: 0,
      pooledShare,
      qualifies,
    });
    expect(
      chooseRule([verdict("a", 0.3), verdict("b", 0.204), verdict("c", 0.2), verdict("d", 0.1, false)])?.rule,
    ).toBe("b");
    expect(chooseRule([verdict("a", 0.3, false)])).toBeUndefined();
  });

  it("lists the rules and the caps the report's rows are named after", () => {
    expect(studiedRules).toHaveLength(25);
    expect(studiedRules[3]?.name).toBe("z 2.326 (the rule before)");
    expect(caps).toEqual([0.85, 0.5, 0.3, 0.12]);
    expect(capRules.map((rule) => rule.name)).toEqual([
      "most accurate under the cap (before)",
      "chooseCappedPoint (in use)",
    ]);
  });

  it("adds answer noise only to probed rows, the same for the same seed", () => {
    const rows = Array.from(
      { length: 200 },
      (_, index): DataRow => ({
        text: `text ${index}`,
        label: "a",
        columns: index % 2 === 0 ? { lm: "a" } : {},
      }),
    );
    const noisy = addAnswerNoise(rows, "lm", ["a", "b", "c"], 0.5, 1);
    expect(noisy).toEqual(addAnswerNoise(rows, "lm", ["a", "b", "c"], 0.5, 1));
    expect(noisy.filter((row, index) => index % 2 === 1 && row !== rows[index])).toHaveLength(0);
    expect(noisy.some((row) => row.columns.lm !== undefined && row.columns.lm !== "a")).toBe(true);
  });

  it("makes a null SSM whose routed answer is the LM's", () => {
    const useless = nullSsm(outcomes, 0.02, 1);
    expect(Array.from(useless.gatedRight)).toEqual(Array.from(outcomes.lmRight));
    expect(useless.lmRight).toBe(outcomes.lmRight);
    expect(mean(Uint8Array.from([1, 0, 1, 1]))).toBe(0.75);
  });
});
