import { describe, expect, it } from "vitest";
import { createDeduplicatingModel } from "../../src/large-models/deduplicating-model.js";
import { probe } from "../../src/probe/probe.js";
import type { Completion, LargeModel } from "../../src/spec/large-model.js";
import type { Task } from "../../src/spec/task.js";

const task: Task = { name: "colours", labels: ["red", "green", "blue"] };

/** An LM answering "red" after a short wait, as a real one would be in flight for a while. */
const slowModel: LargeModel = {
  id: "slow",
  async complete(): Promise<Completion> {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return { text: "red", usage: { promptTokens: 1, completionTokens: 1 }, cached: false };
  },
};

describe("a probe with many calls in flight", () => {
  it("prints no listener-leak warning: each call in flight listens to the probe's signal once", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    try {
      const texts = Array.from({ length: 64 }, (_, index) => `row ${index}`);
      const result = await probe(texts, task, createDeduplicatingModel(slowModel), { concurrency: 32 });
      expect(result.stats).toMatchObject({ rows: 64, answered: 64 });
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain("MaxListenersExceededWarning");
    } finally {
      process.off("warning", onWarning);
    }
  });
});
