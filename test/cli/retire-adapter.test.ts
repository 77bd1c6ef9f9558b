import { describe, expect, it, vi } from "vitest";
import { createLmFirstAdapter } from "../../src/adapter/lm-first-adapter.js";
import type { ClosableAdapter } from "../../src/adapter/load-adapter.js";
import { retireAdapter } from "../../src/cli/retire-adapter.js";

const task = { name: "tickets", labels: ["billing", "bug"] };

/** An adapter serve opened from a folder: counts its closes. */
function openedAdapter(id: string): ClosableAdapter & { closes: number } {
  const adapter = {
    task,
    id,
    lmId: "none",
    maxLmShare: undefined,
    closes: 0,
    decide: () => ({ ssmLabel: "bug", ssmConfidence: 0.9, useLm: false }),
    predict: async () => ({ label: "bug", route: "ssm" as const, confidence: 0.9 }),
    predictBatch: async () => [],
    async close() {
      adapter.closes += 1;
    },
  };
  return adapter as unknown as ClosableAdapter & { closes: number };
}

describe("retireAdapter", () => {
  it("closes a replaced adapter after the grace period and forgets it", () => {
    vi.useFakeTimers();
    try {
      const old = openedAdapter("a");
      const kept = openedAdapter("b");
      const opened: ClosableAdapter[] = [old, kept];
      retireAdapter(old, opened, 1000);
      expect(opened).toEqual([kept]);
      expect(old.closes).toBe(0);
      vi.advanceTimersByTime(1000);
      expect(old.closes).toBe(1);
      expect(kept.closes).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it("closes the adapter an LM-first adapter fell back on (online mode's agreement drop, then a refresh)", () => {
    vi.useFakeTimers();
    try {
      const dropped = openedAdapter("a");
      const opened: ClosableAdapter[] = [dropped];
      const lmFirst = createLmFirstAdapter({ task, largeModel: undefined, fallback: dropped });
      retireAdapter(lmFirst, opened, 500);
      vi.advanceTimersByTime(500);
      expect(dropped.closes).toBe(1);
      expect(opened).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("leaves alone an adapter it did not open (the LM-first adapter a stream starts with)", () => {
    vi.useFakeTimers();
    try {
      const other = openedAdapter("b");
      const opened: ClosableAdapter[] = [other];
      retireAdapter(createLmFirstAdapter({ task, largeModel: undefined }), opened, 10);
      vi.advanceTimersByTime(10);
      expect(opened).toEqual([other]);
      expect(other.closes).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
