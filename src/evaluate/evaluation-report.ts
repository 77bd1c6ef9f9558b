import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { operatingMetricSchema } from "../adapter/operating-criterion.js";
import { DataError } from "../spec/errors/index.js";
import { renderEvaluationHtml } from "./evaluation-report-html.js";
import { renderEvaluationMarkdown } from "./evaluation-report-markdown.js";
import { type OperatingCurveChartInput, renderOperatingCurveSvg } from "./operating-curve-chart.js";

const share = z.number().min(0).max(1);
const count = z.number().int().nonnegative();

export const systemIdSchema = z.enum(["lm", "ssm", "adapted", "oracle"]);
export type SystemId = z.infer<typeof systemIdSchema>;

export const operatingPointSchema = z.object({
  /** The LM is called for rows whose router score is >= threshold. */
  threshold: z.number(),
  lmCalls: count,
  lmShare: share,
  accuracy: share,
  /** Present when the operating point was chosen by macro-F1. */
  macroF1: share.optional(),
});

export const costEstimateSchema = z.object({
  known: z.boolean(),
  totalUsd: z.number().nonnegative(),
  perCallUsd: z.number().nonnegative(),
  calls: z.number().nonnegative(),
  inputTokens: z.number().nonnegative(),
  outputTokens: z.number().nonnegative(),
});

export const systemResultSchema = z.object({
  id: systemIdSchema,
  /** Display name, e.g. "LM alone (openai-compatible:gpt-4)". */
  name: z.string(),
  accuracy: share,
  macroF1: share,
  /** Label → F1, for the labels that occur in gold or predictions. */
  perLabelF1: z.record(z.string(), share),
  /** Rows with no usable answer (counted wrong). */
  unanswered: count,
  lmCalls: count,
  lmShare: share,
  /** Per-row latency in ms; null when not measured (the oracle). */
  latency: z.object({ meanMs: z.number().nonnegative(), p95Ms: z.number().nonnegative() }).nullable(),
  estimatedCost: costEstimateSchema,
});
export type SystemResult = z.infer<typeof systemResultSchema>;

/**
 * The adapter's operating point measured on the split: its threshold, and the LM calls and accuracy
 * of the rows it actually sent to the LM (fewer than the threshold alone sends where an LM-share cap binds).
 */
export const chosenOperatingPointSchema = operatingPointSchema.extend({
  /** How it was chosen, e.g. "best accuracy at LM share <= 10%". */
  rule: z.string(),
  /** Where it was chosen, e.g. "dev" (never the test split itself). */
  chosenOn: z.string(),
});
export type ChosenOperatingPoint = z.infer<typeof chosenOperatingPointSchema>;

export const ablationResultSchema = z.object({
  name: z.string(),
  accuracy: share,
  macroF1: share,
  lmShare: share,
  note: z.string().optional(),
});
export type AblationResult = z.infer<typeof ablationResultSchema>;

export const evaluationReportSchema = z.object({
  schemaVersion: z.literal(1),
  createdAt: z.string(),
  dataset: z.string(),
  task: z.string(),
  /** The split the figures are measured on, e.g. "test". */
  split: z.string(),
  models: z.object({ lm: z.string(), ssm: z.string() }),
  labels: z.array(z.string()),
  /** Row counts, e.g. { train: 9002, dev: 1001, test: 3080 }. */
  counts: z.record(z.string(), count),
  /** Always the four systems, in the order lm, ssm, adapted, oracle. */
  systems: z.array(systemResultSchema),
  oracleAccuracy: share,
  /** The adapted system's curve on this split (thinned for plotting), ascending lmShare. */
  operatingCurve: z.array(operatingPointSchema),
  /** The metric the operating point was chosen by (and the chart plots); absent in older reports. */
  metric: operatingMetricSchema.default("accuracy"),
  /** The point the adapter runs at, measured on this split; null when there is no router. */
  operatingPoint: chosenOperatingPointSchema.nullable(),
  ablations: z.array(ablationResultSchema),
  /** Wall-clock durations of the stages in ms, e.g. { probe: 1200, train: 3400 }. */
  timings: z.record(z.string(), z.number().nonnegative()),
  notes: z.array(z.string()),
});
export type EvaluationReport = z.infer<typeof evaluationReportSchema>;

/** The system with this id in a report, or undefined. */
export function findSystem(
  report: Pick<EvaluationReport, "systems">,
  id: SystemId,
): SystemResult | undefined {
  return report.systems.find((system) => system.id === id);
}

export interface WrittenReportFiles {
  jsonPath: string;
  markdownPath: string;
  htmlPath: string;
  svgPath: string;
}

export const reportFileNames = {
  json: "report.json",
  markdown: "report.md",
  html: "report.html",
  svg: "operating-curve.svg",
} as const;

/** Writes report.json, report.md, report.html and operating-curve.svg into outDir (created if missing). */
export async function writeEvaluationReport(
  report: EvaluationReport,
  outDir: string,
): Promise<WrittenReportFiles> {
  const checked = evaluationReportSchema.parse(report);
  await mkdir(outDir, { recursive: true });
  const svg = await renderOperatingCurveSvg(chartInputOf(checked));
  const files: WrittenReportFiles = {
    jsonPath: join(outDir, reportFileNames.json),
    markdownPath: join(outDir, reportFileNames.markdown),
    htmlPath: join(outDir, reportFileNames.html),
    svgPath: join(outDir, reportFileNames.svg),
  };
  await writeFile(files.jsonPath, `${JSON.stringify(checked, null, 2)}\n`);
  await writeFile(files.markdownPath, renderEvaluationMarkdown(checked, { chartFile: reportFileNames.svg }));
  await writeFile(files.htmlPath, renderEvaluationHtml(checked, svg));
  await writeFile(files.svgPath, svg);
  return files;
}

/** The chart of a report: its curve and reference lines in the metric that chose the operating point. */
function chartInputOf(report: EvaluationReport): OperatingCurveChartInput {
  const byMacroF1 = report.metric === "macro-f1";
  const value = (id: SystemId) => {
    const system = findSystem(report, id);
    return (byMacroF1 ? system?.macroF1 : system?.accuracy) ?? 0;
  };
  const chosen = report.operatingPoint ?? undefined;
  const metricLabel = byMacroF1 ? "macro-F1" : "accuracy";
  return {
    curve: report.operatingCurve.map((point) => ({
      ...point,
      accuracy: byMacroF1 ? (point.macroF1 ?? 0) : point.accuracy,
    })),
    lmAccuracy: value("lm"),
    ssmAccuracy: value("ssm"),
    oracleAccuracy: byMacroF1 ? value("oracle") : report.oracleAccuracy,
    ...(chosen === undefined
      ? {}
      : {
          chosen: {
            lmShare: chosen.lmShare,
            accuracy: byMacroF1 ? (chosen.macroF1 ?? 0) : chosen.accuracy,
          },
        }),
    title: `${report.dataset}: ${metricLabel} against LM-call share (${report.split})`,
    metricLabel,
  };
}

/** Reads and validates a saved report.json; a bad file throws a DataError naming it. */
export async function readEvaluationReport(path: string): Promise<EvaluationReport> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new DataError("cannot read the report as JSON", { file: path }, { cause: error });
  }
  const result = evaluationReportSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue === undefined ? "" : ` at ${issue.path.join(".") || "(top)"}: ${issue.message}`;
    throw new DataError(
      `not an easy-adapt evaluation report${where}`,
      { file: path },
      { cause: result.error },
    );
  }
  return result.data;
}
