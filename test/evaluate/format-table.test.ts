import { describe, expect, it } from "vitest";
import type { SystemResult } from "../../src/evaluate/evaluation-report.js";
import {
  formatMarkdownTable,
  formatMilliseconds,
  formatPercent,
  formatSystemsTable,
  formatTable,
} from "../../src/evaluate/format-table.js";

function system(id: SystemResult["id"], name: string, accuracy: number, lmShare: number): SystemResult {
  return {
    id,
    name,
    accuracy,
    macroF1: accuracy - 0.01,
    perLabelF1: {},
    unanswered: 0,
    lmCalls: 0,
    lmShare,
    latency: null,
    estimatedCost: { known: false, totalUsd: 0, perCallUsd: 0, calls: 0, inputTokens: 0, outputTokens: 0 },
  };
}

describe("formatTable", () => {
  it("aligns columns, right-aligning numbers, with no trailing spaces", () => {
    const table = formatTable(
      [{ header: "name" }, { header: "value", align: "right" }],
      [
        ["a", "1"],
        ["longer name", "12.5"],
      ],
    );
    expect(table).toBe(
      ["name         value", "-----------  -----", "a                1", "longer name   12.5"].join("\n"),
    );
  });

  it("rejects rows with the wrong number of cells", () => {
    expect(() => formatTable([{ header: "x" }], [["1", "2"]])).toThrow(/row 0 has 2 cells/);
  });
});

describe("formatMarkdownTable", () => {
  it("writes a GitHub table with right-aligned number columns and escaped pipes", () => {
    expect(formatMarkdownTable([{ header: "a" }, { header: "b", align: "right" }], [["x|y", "1"]])).toBe(
      "| a | b |\n|---|---:|\n| x\\|y | 1 |",
    );
  });
});

describe("formatSystemsTable", () => {
  it("prints the four systems and an ablation section", () => {
    const text = formatSystemsTable({
      systems: [
        system("lm", "LM alone", 0.8305, 1),
        system("ssm", "SSM alone", 0.9114, 0),
        system("adapted", "adapted (router)", 0.9195, 0.053),
        system("oracle", "oracle (either right)", 0.9588, 0.04),
      ],
      ablations: [{ name: "no router", accuracy: 0.9114, macroF1: 0.91, lmShare: 0 }],
    });
    const lines = text.split("\n");
    expect(lines[0]).toBe("system                 accuracy  macro-F1  LM share");
    expect(lines[2]).toBe("LM alone                 83.05%    82.05%    100.0%");
    expect(lines[4]).toBe("adapted (router)         91.95%    90.95%      5.3%");
    expect(lines[6]).toBe("ablations:");
    expect(lines[7]).toBe("  no router              91.14%    91.00%      0.0%");
  });
});

describe("number formats", () => {
  it("formats percents and durations", () => {
    expect(formatPercent(0.83051)).toBe("83.05%");
    expect(formatPercent(0.053, 1)).toBe("5.3%");
    expect(formatPercent(Number.NaN)).toBe("n/a");
    expect(formatMilliseconds(0.0421)).toBe("0.042 ms");
    expect(formatMilliseconds(3.14)).toBe("3.1 ms");
    expect(formatMilliseconds(1250.4)).toBe("1250 ms");
  });
});
