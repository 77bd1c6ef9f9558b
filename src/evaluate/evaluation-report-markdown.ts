import { formatCost } from "./cost-estimate.js";
import type { AblationResult, EvaluationReport, SystemResult } from "./evaluation-report.js";
import { formatMarkdownTable, formatMilliseconds, formatPercent } from "./format-table.js";

/** The name of the metric that chose the operating point, as the reports write it. */
export function metricName(report: Pick<EvaluationReport, "metric">): string {
  return report.metric === "macro-f1" ? "macro-F1" : "accuracy";
}

/**
 * The operating point in one sentence (Markdown and HTML): the metric that chose it, its rule,
 * threshold, accuracy (and macro-F1 when that chose it) and LM calls.
 */
export function operatingPointSentence(report: EvaluationReport): string {
  const point = report.operatingPoint;
  if (point === null) return "No router: the adapted system is the SSM alone.";
  const macroF1 = point.macroF1 === undefined ? "" : `, macro-F1 ${formatPercent(point.macroF1)}`;
  return (
    `${point.rule}, chosen on ${point.chosenOn}: threshold ${point.threshold.toPrecision(6)} → ` +
    `accuracy ${formatPercent(point.accuracy)}${macroF1} at ${formatPercent(point.lmShare, 1)} LM calls ` +
    `(${point.lmCalls} of ${report.counts[report.split] ?? "?"} rows) on ${report.split}. ` +
    `The metric that chose it: ${metricName(report)}.`
  );
}

/** What the oracle row means, and what its LM share counts. */
export const oracleSentence =
  "The oracle is right wherever the SSM or the LM is: the ceiling of any router between the two. " +
  "Its LM share counts the rows only the LM gets right (the SSM wrong, the LM right): the fewest LM calls that ceiling needs.";

/**
 * The chart's caption: what it plots, why the axis is logarithmic, and why the curve at 100% LM
 * share can sit above "LM alone" (the answer gate).
 */
export function curveCaption(report: EvaluationReport): string {
  const name = metricName(report);
  const last = report.operatingCurve.at(-1);
  const lm = report.systems.find((system) => system.id === "lm");
  const lastValue = report.metric === "macro-f1" ? last?.macroF1 : last?.accuracy;
  const lmValue = report.metric === "macro-f1" ? lm?.macroF1 : lm?.accuracy;
  const above =
    lastValue !== undefined && lmValue !== undefined && lastValue > lmValue + 1e-9
      ? ` Here it is ${((lastValue - lmValue) * 100).toFixed(1)} points above.`
      : "";
  return (
    `${name[0]?.toUpperCase()}${name.slice(1)} of the adapter against the share of inputs it sends to the LM, over the router's thresholds; ` +
    "the share axis is logarithmic, since the useful operating points usually send few inputs to the LM. " +
    'At 100% LM share the curve can sit above "LM alone": every input then goes to the LM, but the answer gate may overrule ' +
    "the LM's answer with the SSM's where the SSM is confident, and the SSM answers where the LM's answer is unusable." +
    `${above} The diamond is the operating point, chosen on ${report.operatingPoint?.chosenOn ?? "the calibration rows"}, never on this split.`
  );
}

/** A stage's duration, in seconds. */
export function formatSeconds(milliseconds: number): string {
  if (!Number.isFinite(milliseconds)) return "n/a";
  const seconds = milliseconds / 1000;
  return `${seconds < 10 ? seconds.toFixed(2) : seconds.toFixed(1)} s`;
}

/** One ablation's cells in the reports' ablations table (Markdown and HTML). */
export function ablationCells(ablation: AblationResult): string[] {
  return [
    ablation.name,
    formatPercent(ablation.accuracy),
    formatPercent(ablation.macroF1),
    formatPercent(ablation.lmShare, 1),
    ablation.note ?? "",
  ];
}

/** One system's cells in the reports' systems table (Markdown and HTML). */
export function systemCells(system: SystemResult): string[] {
  return [
    system.name,
    formatPercent(system.accuracy),
    formatPercent(system.macroF1),
    formatPercent(system.lmShare, 1),
    system.latency === null ? "–" : formatMilliseconds(system.latency.meanMs),
    system.latency === null ? "–" : formatMilliseconds(system.latency.p95Ms),
    formatCost(system.estimatedCost),
  ];
}

function worstLabelsSection(report: EvaluationReport, count: number): string[] {
  const adapted = report.systems.find((system) => system.id === "adapted");
  if (adapted === undefined) return [];
  const ssm = report.systems.find((system) => system.id === "ssm");
  const lm = report.systems.find((system) => system.id === "lm");
  const worst = Object.entries(adapted.perLabelF1)
    .sort(([leftLabel, left], [rightLabel, right]) => left - right || leftLabel.localeCompare(rightLabel))
    .slice(0, count);
  if (worst.length === 0) return [];
  const f1 = (system: SystemResult | undefined, label: string) => {
    const value = system?.perLabelF1[label];
    return value === undefined ? "–" : value.toFixed(3);
  };
  return [
    `## The ${worst.length} labels with the lowest F1 (adapted)`,
    "",
    formatMarkdownTable(
      [
        { header: "label" },
        { header: "adapted F1", align: "right" },
        { header: "SSM F1", align: "right" },
        { header: "LM F1", align: "right" },
      ],
      worst.map(([label]) => [label, f1(adapted, label), f1(ssm, label), f1(lm, label)]),
    ),
    "",
  ];
}

/** The Markdown summary of a report: the four systems, the operating point, ablations, worst labels, the chart. */
export function renderEvaluationMarkdown(
  report: EvaluationReport,
  options: { chartFile?: string } = {},
): string {
  const lines: string[] = [
    `# ${report.dataset}: ${report.task} (${report.split})`,
    "",
    `LM: \`${report.models.lm}\` · SSM: \`${report.models.ssm}\` · ${report.labels.length} labels · ` +
      Object.entries(report.counts)
        .filter(([split]) => split !== "labels") // the label count is already given
        .map(([split, rows]) => `${split} ${rows} rows`)
        .join(", "),
    "",
    formatMarkdownTable(
      [
        { header: "system" },
        { header: "accuracy", align: "right" },
        { header: "macro-F1", align: "right" },
        { header: "LM share", align: "right" },
        { header: "mean latency", align: "right" },
        { header: "p95 latency", align: "right" },
        { header: "est. cost", align: "right" },
      ],
      report.systems.map(systemCells),
    ),
    "",
    `${oracleSentence} Costs are "unknown" when no token prices were given.`,
    "",
    "## Operating point",
    "",
  ];
  lines.push(operatingPointSentence(report), "");
  if (options.chartFile !== undefined) {
    lines.push(
      `![${metricName(report)} against LM-call share](${options.chartFile})`,
      "",
      curveCaption(report),
      "",
    );
  }
  if (report.ablations.length > 0) {
    lines.push(
      "## Ablations",
      "",
      formatMarkdownTable(
        [
          { header: "variant" },
          { header: "accuracy", align: "right" },
          { header: "macro-F1", align: "right" },
          { header: "LM share", align: "right" },
          { header: "note" },
        ],
        report.ablations.map(ablationCells),
      ),
      "",
    );
  }
  lines.push(...worstLabelsSection(report, 10));
  const timings = Object.entries(report.timings);
  if (timings.length > 0) {
    lines.push("## Timings", "", ...timings.map(([stage, ms]) => `- ${stage}: ${formatSeconds(ms)}`), "");
  }
  if (report.notes.length > 0) lines.push("## Notes", "", ...report.notes.map((note) => `- ${note}`), "");
  lines.push(`_Generated ${report.createdAt} by easy-adapt._`, "");
  return lines.join("\n");
}
