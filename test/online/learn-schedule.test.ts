import { describe, expect, it } from "vitest";
import {
  answersBeforeRefresh,
  defaultLearnSchedule,
  parseLearnSchedule,
} from "../../src/online/learn-schedule.js";

describe("the learn schedule", () => {
  it("waits N answers every time with --learn-every N", () => {
    expect(parseLearnSchedule("250")).toEqual({ kind: "every", n: 250 });
    expect(answersBeforeRefresh({ kind: "every", n: 250 }, 10_000)).toBe(250);
  });

  it("grows its intervals with auto: the first after 100 answers, then half of those learnt from", () => {
    expect(parseLearnSchedule("auto")).toEqual(defaultLearnSchedule);
    expect(answersBeforeRefresh(defaultLearnSchedule, 0)).toBe(100);
    expect(answersBeforeRefresh(defaultLearnSchedule, 150)).toBe(100);
    expect(answersBeforeRefresh(defaultLearnSchedule, 1000)).toBe(500);
  });

  it("refuses anything else", () => {
    for (const value of ["0", "-3", "1.5", "often", ""]) expect(parseLearnSchedule(value)).toBeUndefined();
  });
});
