import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildEvaluationReport,
  type EvaluationReportInput,
} from "../../src/evaluate/build-evaluation-report.js";
import {
  type EvaluationReport,
  evaluationReportSchema,
  findSystem,
  readEvaluationReport,
  writeEvaluationReport,
} from "../../src/evaluate/evaluation-report.js";
import { renderOperatingCurveSvg } from "../../src/evaluate/operating-curve-chart.js";
import { DataError } from "../../src/spec/errors/index.js";

// Same five rows as the operating-curve test: SSM 0.6, LM 0.6, oracle 0.8; threshold 0.8 → 1 LM call, 0.8.
const input: EvaluationReportInput = {
  dataset: "tiny",
  task: "three letters",
  models: { lm: "replay:gpt4", ssm: "ngram-linear" },
  labels: ["a", "b", "c"],
  gold: ["a", "a", "b", "b", "c"],
  ssmLabels: ["a", "b", "b", "a", "c"],
  lmLabels: ["b", "a", "b", undefined, "c"],
  routerScores: Float64Array.of(0.05, 0.8, 0.5, 0.5, 0.1),
  operatingPoint: { threshold: 0.8, rule: "best accuracy at LM share <= 30%", chosenOn: "dev" },
  latenciesMs: { lm: [400, 600, 500, 500, 1000], ssm: [1, 1, 1, 1, 1] },
  lmTokens: { input: [100, 200, 100, 100, 100], output: [10, 20, 10, 10, 10] },
  prices: { inputPerMillion: 10, outputPerMillion: 100 },
  counts: { train: 20, dev: 7 },
  timings: { train: 1234.5 },
  ablations: [{ name: "no complement weights", accuracy: 0.7, macroF1: 0.65, lmShare: 0.2 }],
  notes: ["hand-made rows"],
  now: () => new Date("2026-01-02T03:04:05.000Z"),
};

/** A small XML well-formedness check: balanced tags, quoted attributes, no stray "<" or "&". */
function checkWellFormedXml(text: string): string[] {
  const body = text.replace(/^<\?xml[^>]*\?>/, "").replace(/<!--[\s\S]*?-->/g, "");
  const stack: string[] = [];
  const tagNames: string[] = [];
  const tokens = body.split(/(<[^>]*>)/);
  for (const token of tokens) {
    if (!token.startsWith("<")) {
      if (/[<>]/.test(token) || /&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/i.test(token)) {
        throw new Error(`bad text: ${token.slice(0, 40)}`);
      }
      continue;
    }
    const match = /^<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>$/.exec(token);
    if (match === null) throw new Error(`bad tag: ${token.slice(0, 60)}`);
    const [, closing, name, , selfClosing] = match;
    if (closing === "/") {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
    } else {
      tagNames.push(name!);
      if (selfClosing !== "/") stack.push(name!);
    }
  }
  if (stack.length > 0) throw new Error(`unclosed: ${stack.join(", ")}`);
  return tagNames;
}

function textContents(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((match) => match[1]!);
}

describe("buildEvaluationReport", () => {
  const report = buildEvaluationReport(input);

  it("measures the four systems on the hand-computed rows", () => {
    expect(report.systems.map((system) => system.id)).toEqual(["lm", "ssm", "adapted", "oracle"]);
    expect(findSystem(report, "lm")).toMatchObject({ accuracy: 0.6, lmShare: 1, lmCalls: 5, unanswered: 1 });
    expect(findSystem(report, "ssm")).toMatchObject({ accuracy: 0.6, lmShare: 0, lmCalls: 0 });
    expect(findSystem(report, "adapted")).toMatchObject({ accuracy: 0.8, lmShare: 0.2, lmCalls: 1 });
    expect(findSystem(report, "oracle")).toMatchObject({ accuracy: 0.8, lmCalls: 1, latency: null });
    expect(report.oracleAccuracy).toBeCloseTo(0.8, 12);
    expect(report.operatingPoint).toEqual({
      threshold: 0.8,
      lmCalls: 1,
      lmShare: 0.2,
      accuracy: 0.8,
      rule: "best accuracy at LM share <= 30%",
      chosenOn: "dev",
    });
    expect(report.counts).toEqual({ test: 5, train: 20, dev: 7 });
    expect(report.createdAt).toBe("2026-01-02T03:04:05.000Z");
  });

  it("derives latency and cost per system", () => {
    // LM: mean 600, nearest-rank p95 of 5 values = the 5th = 1000.
    expect(findSystem(report, "lm")?.latency).toEqual({ meanMs: 600, p95Ms: 1000 });
    // Adapted: SSM 1 ms everywhere + the LM's 600 ms on row 1.
    expect(findSystem(report, "adapted")?.latency).toEqual({ meanMs: 121, p95Ms: 601 });
    // LM: 600 input + 60 output tokens → 600·10/1e6 + 60·100/1e6 = 0.012 USD.
    expect(findSystem(report, "lm")?.estimatedCost.totalUsd).toBeCloseTo(0.012, 12);
    expect(findSystem(report, "adapted")?.estimatedCost).toMatchObject({
      known: true,
      calls: 1,
      inputTokens: 200,
    });
    expect(findSystem(report, "ssm")?.estimatedCost).toMatchObject({ known: true, totalUsd: 0 });
    const unpriced = buildEvaluationReport({ ...input, prices: undefined });
    expect(findSystem(unpriced, "lm")?.estimatedCost).toMatchObject({ known: false, totalUsd: 0 });
  });

  it("uses routedLabels for the adapted system and the curve, lmLabels for the LM and the oracle", () => {
    // The gate answers "b" instead of the LM's "a" on row 1 (the only routed row): 3 of 5 right, not 4.
    const gated = buildEvaluationReport({ ...input, routedLabels: ["b", "b", "b", undefined, "c"] });
    expect(findSystem(gated, "adapted")).toMatchObject({ accuracy: 0.6, lmCalls: 1 });
    expect(findSystem(gated, "lm")).toMatchObject({ accuracy: 0.6 });
    expect(gated.oracleAccuracy).toBeCloseTo(0.8, 12);
    expect(gated.operatingPoint).toMatchObject({ lmCalls: 1, accuracy: 0.6 });
    // Everything routed: the gate's answers are right on rows 2 and 4 only.
    expect(gated.operatingCurve.at(-1)).toMatchObject({ lmShare: 1, accuracy: 0.4 });
    expect(() => buildEvaluationReport({ ...input, routedLabels: ["a"] })).toThrow(/routedLabels has 1 rows/);
  });

  it("without a router, the adapted system is the SSM alone", () => {
    const noRouter = buildEvaluationReport({ ...input, operatingPoint: undefined });
    expect(noRouter.operatingPoint).toBeNull();
    expect(findSystem(noRouter, "adapted")).toMatchObject({ accuracy: 0.6, lmCalls: 0 });
  });

  it("round-trips through JSON and its zod schema", () => {
    const parsed = evaluationReportSchema.parse(JSON.parse(JSON.stringify(report)));
    expect(parsed).toEqual(report);
    expect(evaluationReportSchema.safeParse({ ...report, schemaVersion: 2 }).success).toBe(false);
  });
});

describe("writeEvaluationReport", () => {
  let outDir: string;
  let report: EvaluationReport;
  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), "evaluate-report-"));
    report = buildEvaluationReport(input);
  });
  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  it("writes report.json, report.md and operating-curve.svg that read back", async () => {
    const files = await writeEvaluationReport(report, join(outDir, "run"));
    expect(await readEvaluationReport(files.jsonPath)).toEqual(report);

    const markdown = await readFile(files.markdownPath, "utf8");
    expect(markdown).toContain("| system | accuracy | macro-F1 | LM share |");
    expect(markdown).toContain("| adapted (router) | 80.00% |");
    expect(markdown).toContain("| LM alone | 60.00% |");
    expect(markdown).toContain("![accuracy against LM-call share](operating-curve.svg)");
    expect(markdown).toContain("chosen on dev: threshold 0.800000");
    expect(markdown).toContain("| no complement weights | 70.00% |");
    expect(markdown).toMatch(/lowest F1 \(adapted\)[\s\S]*\| c \| 1\.000 \|/);

    const svg = await readFile(files.svgPath, "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(() => checkWellFormedXml(svg)).not.toThrow();
  });

  it("rejects a damaged report.json with a DataError naming the file", async () => {
    const path = join(outDir, "bad.json");
    await writeFile(path, JSON.stringify({ ...report, systems: [{ id: "lm" }] }));
    await expect(readEvaluationReport(path)).rejects.toThrow(DataError);
    await expect(readEvaluationReport(path)).rejects.toThrow(
      /bad\.json: not an easy-adapt evaluation report at systems\.0/,
    );
    await writeFile(path, "{ not json");
    await expect(readEvaluationReport(path)).rejects.toThrow(/cannot read the report as JSON/);
  });
});

describe("renderOperatingCurveSvg", () => {
  it("draws a well-formed SVG with the curve, the two rules, the chosen point and the axis titles", async () => {
    const report = buildEvaluationReport(input);
    const svg = await renderOperatingCurveSvg({
      curve: report.operatingCurve,
      lmAccuracy: 0.6,
      ssmAccuracy: 0.6,
      oracleAccuracy: 0.8,
      chosen: report.operatingPoint ?? undefined,
    });
    const tags = checkWellFormedXml(svg);
    expect(tags[0]).toBe("svg");
    expect(svg).toMatch(/class="mark-line role-mark/);
    expect(svg).toMatch(/class="mark-rule role-mark/);
    expect(svg).toMatch(/class="mark-symbol role-mark/);
    const texts = textContents(svg);
    expect(texts).toEqual(
      expect.arrayContaining([
        "LM-call share (log scale)",
        // A symmetric-log share axis, so the small shares where routing pays get room.
        "2%",
        "5%",
        "accuracy",
        "LM alone 60.0%",
        "SSM alone 60.0%",
        "oracle 80.0%",
        "chosen: 80.0% at 20.0% LM calls",
      ]),
    );
    // The curve has one vertex per point (step-after doubles the inner ones).
    const path = /class="mark-line role-mark[^"]*"[^>]*>\s*<path[^>]* d="([^"]+)"/.exec(svg)?.[1] ?? "";
    expect(path.split(/[ML]/).filter((part) => part.trim() !== "").length).toBeGreaterThanOrEqual(
      report.operatingCurve.length,
    );
  });
});
