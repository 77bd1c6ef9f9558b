import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { adapt } from "../../src/adapt/adapt.js";
import { loadRows } from "../../src/data/stream-rows.js";
import { groupFoldsByText } from "../../src/fit/folds.js";
import type { DataRow } from "../../src/spec/dataset.js";
import { datasetsDir } from "../support/datasets.js";

describe("groupFoldsByText", () => {
  it("puts a repeated text in the fold of its first occurrence and leaves distinct texts alone", () => {
    const folds = groupFoldsByText(Int32Array.from([0, 1, 2, 3, 4, 1]), ["a", "b", "a", "c", "b", "d"]);
    expect([...folds]).toEqual([0, 1, 0, 3, 1, 1]);
  });
});

describe.skipIf(datasetsDir === undefined)(
  "adapt given the same rows as training and calibration rows",
  () => {
    it("estimates out of fold as if each text were given once (no model scores a copy of a text it saw)", async () => {
      const dev = (await loadRows(join(datasetsDir ?? "", "banking77", "dev.csv"))).slice(0, 300);
      const unlabelled: DataRow[] = dev.map((row) => ({ text: row.text, columns: {} }));
      const knownAnswers = new Map(dev.map((row) => [row.text, row.columns.gpt4 ?? ""]));
      const task = {
        name: "banking77",
        labels: [...new Set(dev.map((row) => row.columns.gpt4 ?? ""))].filter(Boolean),
      };
      const largeModel = { id: "replay", complete: () => Promise.reject(new Error("every answer is known")) };
      const options = { task, calibRows: unlabelled, knownAnswers, largeModel, seed: 3 };
      const once = await adapt({ ...options, trainRows: [] });
      const twice = await adapt({ ...options, trainRows: unlabelled });
      // Without grouping, each fold model had trained on the copy of every text it scored: the
      // small model's agreement was estimated near 98% instead of about 60%.
      expect(twice.fitted.estimates.ssmAlone).toBeLessThan(once.fitted.estimates.ssmAlone + 0.05);
      expect(twice.description.operatingPoint.lmShare).toBeGreaterThan(
        once.description.operatingPoint.lmShare - 0.1,
      );
    }, 60_000);
  },
);
