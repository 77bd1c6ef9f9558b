import { describe, expect, it } from "vitest";
import { binomialUpperTail, createAgreementMonitor } from "../../src/serve/audit/agreement-monitor.js";

describe("the agreement monitor", () => {
  it("computes the binomial upper tail exactly", () => {
    expect(binomialUpperTail(10, 0, 0.3)).toBe(1);
    expect(binomialUpperTail(3, 3, 0.5)).toBeCloseTo(0.125, 12);
    expect(binomialUpperTail(4, 2, 0.5)).toBeCloseTo(11 / 16, 12);
    expect(binomialUpperTail(100, 5, 0.02)).toBeCloseTo(0.05083, 4);
  });

  it("keeps quiet while the disagreements fit the estimate, and raises the drop once when they do not", () => {
    const fitting = createAgreementMonitor(0.98);
    for (let audit = 0; audit < 500; audit += 1) expect(fitting.record(audit % 50 !== 0)).toBe(false);
    expect(fitting.dropped).toBe(false);
    expect(fitting.measured).toBeCloseTo(0.98, 10);

    const drifting = createAgreementMonitor(0.98);
    const raised: number[] = [];
    for (let audit = 0; audit < 200; audit += 1) if (drifting.record(audit % 5 !== 0)) raised.push(audit);
    expect(raised).toHaveLength(1);
    expect(drifting.dropped).toBe(true);
    expect(drifting.disagreed).toBe(40);
  });

  it("never raises a drop before 10 audits, nor without an estimate", () => {
    const early = createAgreementMonitor(0.99);
    for (let audit = 0; audit < 9; audit += 1) expect(early.record(false)).toBe(false);
    expect(early.record(false)).toBe(true);
    const unknown = createAgreementMonitor(undefined);
    for (let audit = 0; audit < 100; audit += 1) expect(unknown.record(false)).toBe(false);
    expect(unknown.measured).toBe(0);
  });
});
