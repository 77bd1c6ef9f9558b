import type { LoadGeneratorResult } from "../load-generator.js";
import type { LmOverhead } from "./lm-overhead.js";

/** What serve should reach on this machine. */
export const targets = { requestsPerSecond: 3000, p99Ms: 20, rssMb: 200, lmOverheadMs: 2 };

/** The serving benchmark's results (printed as a table, or as JSON with `--json`). */
export interface BenchReport {
  dataset: string;
  adaptSeconds: number | undefined;
  ssmRoutedShareOfTest: number;
  ssmRouted: Pick<
    LoadGeneratorResult,
    "requests" | "requestsPerSecond" | "latencyP50Ms" | "latencyP99Ms" | "latencyMaxMs"
  > & {
    connections: number;
    durationSeconds: number;
    /** Errors, timeouts and non-2xx responses together. */
    errors: number;
    serverCpuMsPerRequest: number;
    idleRssMb: number;
    peakRssMb: number;
  };
  lmRouted: LmOverhead;
  targets: typeof targets;
  pass: Record<"requestsPerSecond" | "p99" | "errors" | "rss" | "lmOverhead", boolean>;
  serveExitCode?: number | null;
  decisionLogLines?: number;
}

/** Writes the report as an aligned table (measure, value, target, ok/MISSED) with a heading and a footer line. */
export function printTable(report: BenchReport): void {
  const ssm = report.ssmRouted;
  const lm = report.lmRouted;
  const rows = tableRows(report);
  const widths = [0, 1, 2, 3].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines = [
    `serve benchmark: banking77 adapter (${(report.ssmRoutedShareOfTest * 100).toFixed(1)}% of test texts SSM-routed), ` +
      `${ssm.connections} connections x ${ssm.durationSeconds} s, upstream latency ${lm.upstreamLatencyMs} ms, ` +
      `${lm.samples} LM samples${report.adaptSeconds === undefined ? "" : `, adapt ${report.adaptSeconds.toFixed(1)} s`}`,
    ...rows.map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join("  ")
        .trimEnd(),
    ),
    `LM-routed answers by route: ${JSON.stringify(lm.routes)}; serve exited with ${report.serveExitCode} after SIGTERM; ` +
      `decision log: ${report.decisionLogLines} lines`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

/** The table's rows, the header first. */
function tableRows(report: BenchReport): [string, string, string, string][] {
  const mark = (ok: boolean) => (ok ? "ok" : "MISSED");
  const ssm = report.ssmRouted;
  const lm = report.lmRouted;
  return [
    ["measure", "value", "target", ""],
    [
      "SSM-routed: requests/s",
      String(ssm.requestsPerSecond),
      `>= ${targets.requestsPerSecond}`,
      mark(report.pass.requestsPerSecond),
    ],
    ["SSM-routed: p50 latency", `${ssm.latencyP50Ms} ms`, "", ""],
    ["SSM-routed: p99 latency", `${ssm.latencyP99Ms} ms`, `<= ${targets.p99Ms} ms`, mark(report.pass.p99)],
    ["SSM-routed: errors (incl. non-2xx, timeouts)", String(ssm.errors), "0", mark(report.pass.errors)],
    ["SSM-routed: server CPU", `${ssm.serverCpuMsPerRequest} ms/request`, "", ""],
    [
      "server RSS idle / peak under load",
      `${ssm.idleRssMb} / ${ssm.peakRssMb} MB`,
      `<= ${targets.rssMb} MB`,
      mark(report.pass.rss),
    ],
    ["LM-routed: upstream alone, median", `${lm.directMedianMs} ms`, "", ""],
    ["LM-routed: through serve, median", `${lm.servedMedianMs} ms`, "", ""],
    [
      "LM-routed: added latency median / mean",
      `${lm.overheadMedianMs} / ${lm.overheadMeanMs} ms`,
      `<= ${targets.lmOverheadMs} ms`,
      mark(report.pass.lmOverhead),
    ],
    [
      "LM-routed: a do-nothing node:http forwarder adds, median",
      `${lm.passThroughOverheadMedianMs} ms`,
      "",
      `(machine load ${lm.loadAverage})`,
    ],
    [
      "LM-routed: a do-nothing Hono forwarder adds, median",
      `${lm.honoPassThroughOverheadMedianMs} ms`,
      "",
      "",
    ],
    ["LM-routed, inside serve: LM call mean", `${lm.lmCallInsideServeMeanMs} ms`, "", ""],
    ["LM-routed, inside serve: own work mean", `${lm.serveOwnWorkMeanMs} ms`, "", ""],
  ];
}
