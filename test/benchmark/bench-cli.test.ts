import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { topicsDir } from "../fixtures/adapt/load-fixture.js";
import { runCli } from "../support/run-cli.js";

const fixturesDir = fileURLToPath(new URL("../fixtures/adapt", import.meta.url));

describe("bench", () => {
  it("prints exactly one JSON object in the documented shape", async () => {
    const result = await runCli(["bench", topicsDir, "--llm-column", "llm", "--json"]);
    expect(result.stderr).not.toContain("unexpected error");
    expect(result.status).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const bench = JSON.parse(lines[0] ?? "");
    expect(Object.keys(bench).sort()).toEqual([
      "counts",
      "dataset",
      "llmColumn",
      "peakRssMb",
      "results",
      "timings",
    ]);
    expect(bench).toMatchObject({
      dataset: "topics",
      llmColumn: "llm",
      counts: { train: 160, dev: 90, test: 90, labels: 4 },
      results: { lm: { lmShare: 1 }, ssm: { lmShare: 0 } },
    });
    const { lm, ssm, adapted, oracle } = bench.results;
    expect(oracle.accuracy).toBeGreaterThanOrEqual(Math.max(lm.accuracy, ssm.accuracy));
    expect(adapted.accuracy).toBeGreaterThanOrEqual(lm.accuracy - 0.005);
    expect(adapted.lmShare).toBeGreaterThanOrEqual(0);
    expect(bench.timings.adaptSeconds).toBeGreaterThan(0);
    expect(bench.timings.predictMicrosP50).toBeGreaterThan(0);
    expect(bench.peakRssMb).toBeGreaterThan(0);
  }, 90_000);

  it("bench-all runs every dataset folder with its first LLM column and the ablation", async () => {
    const result = await runCli(["bench-all", "--datasets", fixturesDir, "--json"]);
    expect(result.status).toBe(0);
    const all = JSON.parse(result.stdout);
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ dataset: "topics", llmColumn: "llm" });
    const names: string[] = all[0].ablation.map((row: { name: string }) => row.name);
    expect(names).toContain("confidence threshold, raw LM answer");
    expect(names).toContain("adapted, 50% train gold hidden, with distillation");
    expect(names.some((name) => name.includes("plain"))).toBe(true);
  }, 120_000);

  it("warns about test rows whose label is outside the task, and counts them wrong", async () => {
    const folder = await mkdtemp(join(tmpdir(), "bench-outside-"));
    try {
      const dataset = join(folder, "topics");
      await cp(topicsDir, dataset, { recursive: true });
      const testFile = join(dataset, "test.csv");
      const lines = (await readFile(testFile, "utf8")).split("\n");
      lines[1] = lines[1]?.replace("?,sports,", "?,curling,") ?? "";
      await writeFile(testFile, lines.join("\n"));
      const result = await runCli(["bench", dataset, "--llm-column", "llm", "--json"]);
      expect(result.status).toBe(0);
      expect(result.stderr).toContain(
        `warning: 1 row of ${testFile} has a label outside the task's labels ("curling")`,
      );
      const bench = JSON.parse(result.stdout.trim());
      expect(bench.counts.test).toBe(90);
      expect(bench.results.oracle.accuracy).toBeLessThanOrEqual(89 / 90);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }, 90_000);

  it("with --metric macro-f1 chooses the point by macro-F1, and the reports say so and plot it", async () => {
    const folder = await mkdtemp(join(tmpdir(), "bench-metric-"));
    try {
      const out = join(folder, "report");
      const result = await runCli([
        "bench",
        topicsDir,
        "--llm-column",
        "llm",
        "--metric",
        "macro-f1",
        "--out",
        out,
      ]);
      expect(result.stderr).not.toContain("unexpected error");
      expect(result.status).toBe(0);
      const report = JSON.parse(await readFile(join(out, "report.json"), "utf8"));
      expect(report.metric).toBe("macro-f1");
      expect(report.operatingPoint.rule).toContain(
        "of the best estimated macro-F1, not below the LM alone's macro-F1",
      );
      expect(report.operatingPoint.macroF1).toBeGreaterThan(0);
      expect(
        report.operatingCurve.every((point: { macroF1?: number }) => typeof point.macroF1 === "number"),
      ).toBe(true);
      expect(report.notes.join("\n")).toMatch(/estimated macro-F1 \d+\.\d+% \(LM alone \d+\.\d+%\)/);
      expect(await readFile(join(out, "report.md"), "utf8")).toContain("The metric that chose it: macro-F1.");
      expect(await readFile(join(out, "operating-curve.svg"), "utf8")).toContain(
        "macro-F1 against LM-call share",
      );
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }, 120_000);
});
