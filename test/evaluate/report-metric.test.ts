import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  buildEvaluationReport,
  type EvaluationReportInput,
} from "../../src/evaluate/build-evaluation-report.js";
import { computeClassificationMetrics } from "../../src/evaluate/classification-metrics.js";
import { evaluationReportSchema, writeEvaluationReport } from "../../src/evaluate/evaluation-report.js";

// Eight rows, 2 of them "spam": the LM finds both but flags 2 "ham" rows; the SSM never says "spam".
const input: EvaluationReportInput = {
  dataset: "tiny",
  task: "spam",
  models: { lm: "replay:gpt4", ssm: "ngram-linear" },
  labels: ["ham", "spam"],
  gold: ["spam", "spam", "ham", "ham", "ham", "ham", "ham", "ham"],
  ssmLabels: ["ham", "ham", "ham", "ham", "ham", "ham", "ham", "ham"],
  lmLabels: ["spam", "spam", "spam", "spam", "ham", "ham", "ham", "ham"],
  routerScores: Float64Array.of(0.9, 0.8, 0.7, 0.6, 0.1, 0.1, 0.1, 0.1),
  operatingPoint: { threshold: 0.8, rule: "cheapest point near the best macro-F1", chosenOn: "dev" },
  counts: { train: 20, dev: 8 },
  timings: { adapt: 61_500, probe: 850 },
  now: () => new Date("2026-01-02T03:04:05.000Z"),
};

describe("a report whose operating point was chosen by macro-F1", () => {
  const directories: string[] = [];
  afterAll(async () => {
    for (const directory of directories) await rm(directory, { recursive: true, force: true });
  });

  it("carries the metric, the macro-F1 along the curve and at the chosen point", () => {
    const report = buildEvaluationReport({ ...input, metric: "macro-f1" });
    expect(report.metric).toBe("macro-f1");
    for (const point of report.operatingCurve) {
      const answers = input.gold.map((_, row) =>
        (input.routerScores[row] ?? 0) >= point.threshold ? input.lmLabels[row] : input.ssmLabels[row],
      );
      expect(point.macroF1).toBeCloseTo(
        computeClassificationMetrics(input.gold, answers, input.labels).macroF1,
        12,
      );
    }
    // Threshold 0.8: both spam rows found, no false alarm.
    expect(report.operatingPoint?.macroF1).toBe(1);
    expect(buildEvaluationReport(input).metric).toBe("accuracy");
    expect(buildEvaluationReport(input).operatingCurve.every((point) => point.macroF1 === undefined)).toBe(
      true,
    );
    // A report.json from before the metric existed still reads (as accuracy).
    const { metric: _metric, ...older } = buildEvaluationReport(input);
    expect(evaluationReportSchema.parse(older).metric).toBe("accuracy");
  });

  it("says in Markdown which metric chose the point, plots it, explains the curve, gives timings in seconds", async () => {
    const directory = await mkdtemp(join(tmpdir(), "report-metric-"));
    directories.push(directory);
    const files = await writeEvaluationReport(
      buildEvaluationReport({ ...input, metric: "macro-f1" }),
      directory,
    );
    const markdown = await readFile(files.markdownPath, "utf8");
    expect(markdown).toContain("The metric that chose it: macro-F1.");
    expect(markdown).toContain("macro-F1 100.00% at 25.0% LM calls");
    expect(markdown).toContain("![macro-F1 against LM-call share](operating-curve.svg)");
    expect(markdown).toContain("Macro-F1 of the adapter against the share of inputs it sends to the LM");
    expect(markdown).toContain('At 100% LM share the curve can sit above "LM alone"');
    expect(markdown).toContain("Its LM share counts the rows only the LM gets right");
    expect(markdown).toContain("- adapt: 61.5 s\n- probe: 0.85 s\n");
    expect(markdown.toLowerCase()).not.toContain("ablation");
    const svg = await readFile(files.svgPath, "utf8");
    expect(svg).toContain("tiny: macro-F1 against LM-call share (test)");
    expect(svg).toContain("chosen: 100.0% at 25.0% LM calls");
  });
});
