import type { EvaluationReport } from "./evaluation-report.js";
import {
  ablationCells,
  curveCaption,
  formatSeconds,
  operatingPointSentence,
  oracleSentence,
  systemCells,
} from "./evaluation-report-markdown.js";

/** Text made safe for HTML element content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

interface HtmlColumn {
  header: string;
  numeric?: boolean;
}

/** One cell: its text, and for numeric columns the value it sorts by. */
type HtmlCell = string | { text: string; sortValue: number };

/**
 * A table in a container that scrolls sideways on a narrow screen (the page itself never does);
 * with `sortable`, each header is a button (reachable by Tab, pressed with Enter or Space) and
 * carries `aria-sort`.
 */
function table(
  columns: readonly HtmlColumn[],
  rows: readonly (readonly HtmlCell[])[],
  options: { id: string; caption: string; sortable?: boolean },
): string {
  const head = columns
    .map((column) => {
      const number = column.numeric ? ' class="number"' : "";
      const header = escapeHtml(column.header);
      return options.sortable
        ? `<th${number} scope="col" aria-sort="none"><button type="button" class="sort">${header}</button></th>`
        : `<th${number} scope="col">${header}</th>`;
    })
    .join("");
  const body = rows
    .map((row) => {
      const cells = row
        .map((cell, index) => {
          const numeric = columns[index]?.numeric ? ' class="number"' : "";
          if (typeof cell === "string") return `<td${numeric}>${escapeHtml(cell)}</td>`;
          const sortValue = Number.isFinite(cell.sortValue) ? String(cell.sortValue) : "";
          return `<td${numeric} data-sort="${sortValue}">${escapeHtml(cell.text)}</td>`;
        })
        .join("");
      return `<tr>${cells}</tr>`;
    })
    .join("\n");
  const attributes = ` id="${options.id}"${options.sortable ? ' class="sortable"' : ""}`;
  return (
    `<div class="table-scroll" role="region" tabindex="0" aria-label="${escapeHtml(options.caption)}">` +
    `<table${attributes}>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table></div>`
  );
}

function perLabelRows(report: EvaluationReport): HtmlCell[][] {
  const of = (id: string) => report.systems.find((system) => system.id === id)?.perLabelF1 ?? {};
  const adapted = of("adapted");
  const ssm = of("ssm");
  const lm = of("lm");
  const cell = (value: number | undefined): HtmlCell =>
    value === undefined ? { text: "–", sortValue: Number.NaN } : { text: value.toFixed(3), sortValue: value };
  return report.labels.map((label) => [label, cell(adapted[label]), cell(ssm[label]), cell(lm[label])]);
}

const style = `
body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #1f2328; overflow-wrap: anywhere; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #d0d7de; }
.meta { color: #59636e; }
table { border-collapse: collapse; margin: 0.5rem 0; }
th, td { padding: 0.25rem 0.7rem; border-bottom: 1px solid #d0d7de; text-align: left; }
th.number, td.number { text-align: right; font-variant-numeric: tabular-nums; }
th, td { overflow-wrap: normal; }
th, td.number { white-space: nowrap; }
.table-scroll { overflow-x: auto; max-width: 100%; }
.table-scroll:focus-visible { outline: 2px solid #1f6fb4; }
th button.sort { font: inherit; font-weight: bold; color: inherit; background: none; border: 0; padding: 0; cursor: pointer; text-align: inherit; }
th button.sort:focus-visible { outline: 2px solid #1f6fb4; outline-offset: 2px; }
table.sortable th[aria-sort="ascending"] button::after { content: " ▲"; }
table.sortable th[aria-sort="descending"] button::after { content: " ▼"; }
figure { margin: 1rem 0; }
figure svg { display: block; width: 100%; height: auto; }
.chart-scroll { overflow-x: auto; max-width: 100%; }
@media (max-width: 40rem) { figure svg { min-width: 36rem; } }
`;

/**
 * Sorts a table.sortable by the column whose header button is pressed (a click, or Enter or Space
 * on the focused button; numbers by data-sort, blanks last).
 */
const sortScript = `
for (const table of document.querySelectorAll("table.sortable")) {
  table.querySelectorAll("th").forEach((header, column) => {
    header.querySelector("button").addEventListener("click", () => {
      const ascending = header.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th").forEach((other) => other.setAttribute("aria-sort", "none"));
      header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const body = table.tBodies[0];
      const key = (row) => {
        const cell = row.cells[column];
        if (!cell.hasAttribute("data-sort")) return cell.textContent;
        const value = cell.getAttribute("data-sort");
        return value === "" ? null : Number(value);
      };
      const rows = [...body.rows].sort((left, right) => {
        const a = key(left), b = key(right);
        if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
        const order = typeof a === "number" ? a - b : String(a).localeCompare(String(b));
        return ascending ? order : -order;
      });
      body.append(...rows);
    });
  });
}
`;

/** The page title: dataset, task and split. */
function reportTitle(report: EvaluationReport): string {
  return `${report.dataset}: ${report.task} (${report.split})`;
}

/** The heading, the models and row counts, and the table of the four systems. */
function systemsSection(report: EvaluationReport): string[] {
  const counts = Object.entries(report.counts)
    .filter(([split]) => split !== "labels")
    .map(([split, rows]) => `${split} ${rows} rows`)
    .join(", ");
  return [
    `<h1>${escapeHtml(reportTitle(report))}</h1>`,
    `<p class="meta">LM: <code>${escapeHtml(report.models.lm)}</code> · SSM: <code>${escapeHtml(report.models.ssm)}</code> · ${report.labels.length} labels · ${escapeHtml(counts)}</p>`,
    table(
      [
        { header: "system" },
        { header: "accuracy", numeric: true },
        { header: "macro-F1", numeric: true },
        { header: "LM share", numeric: true },
        { header: "mean latency", numeric: true },
        { header: "p95 latency", numeric: true },
        { header: "est. cost", numeric: true },
      ],
      report.systems.map(systemCells),
      { id: "systems", caption: "systems" },
    ),
    `<p id="oracle-note">${escapeHtml(oracleSentence)} Costs are “unknown” when no token prices were given.</p>`,
  ];
}

/** The chosen operating point in words and the operating-curve chart, its SVG inlined. */
function operatingPointSection(report: EvaluationReport, chartSvg: string): string[] {
  return [
    "<h2>Operating point</h2>",
    `<p id="operating-point">${escapeHtml(operatingPointSentence(report))}</p>`,
    `<figure id="operating-curve"><div class="chart-scroll" role="region" tabindex="0" aria-label="operating curve">${chartSvg.replace(/^<\?xml[^>]*\?>\s*/, "")}</div><figcaption>${escapeHtml(curveCaption(report))}</figcaption></figure>`,
  ];
}

/** The ablations table; nothing when there are none. */
function ablationsSection(report: EvaluationReport): string[] {
  if (report.ablations.length === 0) return [];
  return [
    "<h2>Ablations</h2>",
    table(
      [
        { header: "variant" },
        { header: "accuracy", numeric: true },
        { header: "macro-F1", numeric: true },
        { header: "LM share", numeric: true },
        { header: "note" },
      ],
      report.ablations.map(ablationCells),
      { id: "ablations", caption: "ablations" },
    ),
  ];
}

/** The per-label F1 table, sortable by a click on a column header. */
function perLabelSection(report: EvaluationReport): string[] {
  return [
    "<h2>F1 per label</h2>",
    "<p>Sort by a column with its header (click it, or Tab to it and press Enter or Space).</p>",
    table(
      [
        { header: "label" },
        { header: "adapted F1", numeric: true },
        { header: "SSM F1", numeric: true },
        { header: "LM F1", numeric: true },
      ],
      perLabelRows(report),
      { id: "per-label", caption: "F1 per label", sortable: true },
    ),
  ];
}

/** The timings list; nothing when there are none. */
function timingsSection(report: EvaluationReport): string[] {
  const timings = Object.entries(report.timings);
  if (timings.length === 0) return [];
  return [
    "<h2>Timings</h2>",
    `<ul>${timings.map(([stage, ms]) => `<li>${escapeHtml(stage)}: ${escapeHtml(formatSeconds(ms))}</li>`).join("")}</ul>`,
  ];
}

/** The notes list; nothing when there are none. */
function notesSection(report: EvaluationReport): string[] {
  if (report.notes.length === 0) return [];
  return [
    "<h2>Notes</h2>",
    `<ul>${report.notes.map((note) => `<li>${escapeHtml(note)}</li>`).join("")}</ul>`,
  ];
}

/**
 * The report as one self-contained HTML page (no external resources): the four systems, the
 * operating point, the operating-curve chart inlined as SVG, ablations (when there are any),
 * per-label F1 (sortable with its header buttons, by mouse or keyboard), timings and notes. Fits a
 * phone's width: tables scroll sideways in their own container.
 */
export function renderEvaluationHtml(report: EvaluationReport, chartSvg: string): string {
  const sections = [
    ...systemsSection(report),
    ...operatingPointSection(report, chartSvg),
    ...ablationsSection(report),
    ...perLabelSection(report),
    ...timingsSection(report),
    ...notesSection(report),
    `<p class="meta">Generated ${escapeHtml(report.createdAt)} by easy-adapt.</p>`,
  ];
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(reportTitle(report))}</title>`,
    `<style>${style}</style>`,
    "</head>",
    "<body>",
    ...sections,
    `<script>${sortScript}</script>`,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}
