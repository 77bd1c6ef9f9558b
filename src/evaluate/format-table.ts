import type { AblationResult, SystemResult } from "./evaluation-report.js";

export interface TableColumn {
  header: string;
  /** Numbers read best right-aligned; defaults to left. */
  align?: "left" | "right";
}

/** 0.83051 → "83.05%" (digits after the point default to 2). */
export function formatPercent(value: number, digits = 2): string {
  return Number.isFinite(value) ? `${(value * 100).toFixed(digits)}%` : "n/a";
}

/** A duration in milliseconds: "0.042 ms", "3.1 ms", "1250 ms". */
export function formatMilliseconds(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  if (value < 1) return `${value.toPrecision(2)} ms`;
  if (value < 100) return `${value.toFixed(1)} ms`;
  return `${value.toFixed(0)} ms`;
}

function widthOf(text: string): number {
  return [...text].length;
}

function pad(text: string, width: number, align: "left" | "right"): string {
  const padding = " ".repeat(Math.max(0, width - widthOf(text)));
  return align === "right" ? padding + text : text + padding;
}

function checkRows(columns: readonly TableColumn[], rows: readonly (readonly string[])[]): void {
  rows.forEach((row, index) => {
    if (row.length !== columns.length) {
      throw new RangeError(
        `table row ${index} has ${row.length} cells but there are ${columns.length} columns`,
      );
    }
  });
}

/** A plain-text table with aligned columns, a header and a dashed rule under it (no trailing spaces). */
export function formatTable(columns: readonly TableColumn[], rows: readonly (readonly string[])[]): string {
  checkRows(columns, rows);
  const widths = columns.map((column, index) =>
    Math.max(widthOf(column.header), ...rows.map((row) => widthOf(row[index]!))),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, index) => pad(cell, widths[index]!, columns[index]!.align ?? "left"))
      .join("  ")
      .trimEnd();
  return [
    line(columns.map((column) => column.header)),
    widths.map((width) => "-".repeat(width)).join("  "),
    ...rows.map(line),
  ].join("\n");
}

function escapeMarkdownCell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

/** A GitHub-flavoured Markdown table (pipes in cells are escaped). */
export function formatMarkdownTable(
  columns: readonly TableColumn[],
  rows: readonly (readonly string[])[],
): string {
  checkRows(columns, rows);
  const line = (cells: readonly string[]) => `| ${cells.map(escapeMarkdownCell).join(" | ")} |`;
  return [
    line(columns.map((column) => column.header)),
    `|${columns.map((column) => (column.align === "right" ? "---:" : "---")).join("|")}|`,
    ...rows.map(line),
  ].join("\n");
}

/**
 * The terminal summary `bench` and `demo` print: one row per system (accuracy, macro-F1, LM share)
 * and, when there are any, an "ablations" section in the same columns.
 */
export function formatSystemsTable(report: {
  systems: readonly SystemResult[];
  ablations?: readonly AblationResult[];
}): string {
  const columns: TableColumn[] = [
    { header: "system" },
    { header: "accuracy", align: "right" },
    { header: "macro-F1", align: "right" },
    { header: "LM share", align: "right" },
  ];
  const rows = report.systems.map((system) => [
    system.name,
    formatPercent(system.accuracy),
    formatPercent(system.macroF1),
    formatPercent(system.lmShare, 1),
  ]);
  const ablations = report.ablations ?? [];
  if (ablations.length === 0) return formatTable(columns, rows);
  const ablationRows = ablations.map((ablation) => [
    `  ${ablation.name}`,
    formatPercent(ablation.accuracy),
    formatPercent(ablation.macroF1),
    formatPercent(ablation.lmShare, 1),
  ]);
  // One table so the columns line up; a section row names the ablations.
  return formatTable(columns, [...rows, ["ablations:", "", "", ""], ...ablationRows]);
}
