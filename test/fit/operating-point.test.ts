import { describe, expect, it } from "vitest";
import {
  chooseDefaultPoint,
  chooseOperatingPoint,
  defaultRule,
  estimateCurve,
} from "../../src/fit/operating-point.js";

/** Rows in descending router score (row 0 goes to the LM first); the routed answer is the LM's. */
function curveOf(ssmRight: readonly number[], lmRight: readonly number[]) {
  const count = ssmRight.length;
  return estimateCurve(
    Float64Array.from({ length: count }, (_, row) => count - row),
    Uint8Array.from(ssmRight),
    Uint8Array.from(lmRight),
    Uint8Array.from(lmRight),
  );
}

describe("the default operating point", () => {
  it("does not trust a few SSM rows that merely never differed from the LM", () => {
    // 200 rows, the LM right on all; the SSM right only on its 5 most confident (lowest-scored) rows.
    const ssmRight = Array.from({ length: 200 }, (_, row) => (row >= 195 ? 1 : 0));
    const lmRight = new Array<number>(200).fill(1);
    const curve = curveOf(ssmRight, lmRight);
    // Without the pseudo differing row, those 5 rows have a paired standard error of 0 and pass.
    expect(chooseDefaultPoint(curve, { ...defaultRule, pseudoDiffering: 0 }).lmShare).toBeCloseTo(0.975);
    const chosen = chooseOperatingPoint(curve, { kind: "default" });
    expect(chosen.lmShare).toBe(1);
    expect(chosen.gainOverLm).toBe(0);
  });

  it("still hands the SSM the rows where it measurably beats the LM", () => {
    // 300 rows: the SSM is wrong and the LM right on the 200 highest-scored rows; on the other 100
    // the SSM is always right and the LM wrong on 30 of them (spread out), right on the 20 lowest.
    const ssmRight = Array.from({ length: 300 }, (_, row) => (row >= 200 ? 1 : 0));
    const lmRight = Array.from({ length: 300 }, (_, row) => (row >= 200 && row < 280 && row % 8 < 3 ? 0 : 1));
    const curve = curveOf(ssmRight, lmRight);
    const chosen = chooseOperatingPoint(curve, { kind: "default" });
    expect(chosen.lmShare).toBeCloseTo(200 / 300);
    expect(chosen.gainOverLm).toBeCloseTo(30 / 300);
  });
});
