import { describe, expect, it } from "vitest";
import { chooseAgreementPoint } from "../../src/fit/agreement-point.js";
import { estimateCurve } from "../../src/fit/operating-point.js";

/**
 * Rows in routing order (the first is sent to the LM first): `agree[i]` whether the SSM's answer
 * agrees with the LM's on the i-th row. The reference is the LM, so it is always "right".
 */
function choose(agree: readonly boolean[], maxDisagreement: number) {
  const count = agree.length;
  // Router score: highest for the first row (sent to the LM first).
  const scores = Float64Array.from(agree, (_, index) => count - index);
  const ssmRight = Uint8Array.from(agree, (value) => (value ? 1 : 0));
  const lmRight = new Uint8Array(count).fill(1);
  const curve = estimateCurve(scores, ssmRight, lmRight, lmRight);
  return chooseAgreementPoint(curve, scores, { ssmRight, lmRight }, maxDisagreement);
}

describe("chooseAgreementPoint (max-disagreement)", () => {
  it("keeps the inputs the SSM agrees on off the LM, one-sided: at least 2.326/D rows must vouch", () => {
    // 100 rows where the SSM disagrees, then 400 where it agrees (the SSM's most confident last).
    const agree = [...new Array<boolean>(100).fill(false), ...new Array<boolean>(400).fill(true)];
    // (A few disagreeing rows may come along while the bound holds: 3 of 403 at 19.4%.)
    const chosen = choose(agree, 0.02).lmShare;
    expect(chosen).toBeLessThanOrEqual(0.2);
    expect(chosen).toBeGreaterThan(0.18);
    // Only 100 agreeing rows: fewer than 2.326 / 0.02 = 117 cannot vouch for a point at 2%…
    const few = [...new Array<boolean>(400).fill(false), ...new Array<boolean>(100).fill(true)];
    expect(choose(few, 0.02).lmShare).toBe(1);
    // …but can at 5% (47 rows).
    const atFive = choose(few, 0.05).lmShare;
    expect(atFive).toBeLessThanOrEqual(0.8);
    expect(atFive).toBeGreaterThan(0.75);
  });

  it("is not blocked by one disagreement among the few most confident rows", () => {
    const agree = [...new Array<boolean>(100).fill(false), ...new Array<boolean>(390).fill(true), false];
    agree.push(...new Array<boolean>(9).fill(true));
    expect(choose(agree, 0.02).lmShare).toBeLessThan(0.25);
  });

  it("refuses a lucky cheap point below costlier rows that clearly disagree", () => {
    // The rows ranked safest (last) disagree half the time; a block before them agrees.
    const agree = [
      ...new Array<boolean>(100).fill(false),
      ...new Array<boolean>(300).fill(true),
      ...Array.from({ length: 200 }, (_, index) => index % 2 === 0),
    ];
    expect(choose(agree, 0.02).lmShare).toBe(1);
  });
});
