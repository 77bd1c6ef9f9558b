import { z } from "zod";
import type { Outcome, RequestKind } from "./soak-traffic.js";

/**
 * RSS is flat when it grows by at most this many MB per minute over the second half of the run
 * (a least-squares line through the one-second samples). The first half is left out: the heap,
 * the JIT's code and the sockets' buffers settle there. 3 MB/min is 50 kB/s: a leak of one small
 * object per request at a few hundred requests/s would show above it.
 */
export const flatSlopeMbPerMinute = 3;

const latencySchema = z.object({ p50Ms: z.number(), p99Ms: z.number() });

/** The soak's report (printed as a table, or as JSON with `--json`); the test parses it with this schema. */
export const soakReportSchema = z.object({
  dataset: z.string(),
  seconds: z.number().positive(),
  connections: z.number().int().positive(),
  upstreamOutage: z.object({ fromSecond: z.number(), toSecond: z.number(), kind: z.literal("hang") }),
  requests: z.number().int().nonnegative(),
  requestsPerSecond: z.number().nonnegative(),
  latency: latencySchema,
  statusCounts: z.record(z.string(), z.number().int().nonnegative()),
  serverErrors: z.number().int().nonnegative(),
  aborted: z.number().int().nonnegative(),
  networkErrors: z.number().int().nonnegative(),
  kinds: z.record(
    z.string(),
    z.object({
      requests: z.number().int().nonnegative(),
      statusCounts: z.record(z.string(), z.number().int().nonnegative()),
      aborted: z.number().int().nonnegative(),
      networkErrors: z.number().int().nonnegative(),
      latency: latencySchema,
    }),
  ),
  breaker: z.object({ opened: z.number().int().nonnegative(), closed: z.number().int().nonnegative() }),
  rss: z.object({
    samplesMb: z.array(z.number().positive()),
    startMb: z.number().positive(),
    peakMb: z.number().positive(),
    endMb: z.number().positive(),
    secondHalfSlopeMbPerMinute: z.number(),
    flatSlopeMbPerMinute: z.number(),
    flat: z.boolean(),
  }),
  serve: z.object({
    crashed: z.boolean(),
    exitCode: z.number().int().nullable(),
    stderrErrorLines: z.array(z.string()),
  }),
  decisionLogLines: z.number().int().nonnegative(),
  pass: z.boolean(),
});

/** The soak's report. */
export type SoakReport = z.infer<typeof soakReportSchema>;

/** The outcomes of every request, by kind. */
export type OutcomesByKind = Map<RequestKind, Outcome[]>;

/** The value at quantile `q` (nearest rank) of `values`, 0 when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return Math.round((sorted[rank] ?? 0) * 100) / 100;
}

/** The slope, in units per minute, of the least-squares line through one sample a second. */
export function slopePerMinute(samples: readonly number[]): number {
  const count = samples.length;
  if (count < 2) return 0;
  const meanX = (count - 1) / 2;
  const meanY = samples.reduce((sum, value) => sum + value, 0) / count;
  let numerator = 0;
  let denominator = 0;
  samples.forEach((value, index) => {
    numerator += (index - meanX) * (value - meanY);
    denominator += (index - meanX) ** 2;
  });
  return Math.round((numerator / denominator) * 60 * 100) / 100;
}

/** Status counts, aborts, network errors and latency of a list of outcomes. */
export function summarizeOutcomes(outcomes: readonly Outcome[]) {
  const statusCounts: Record<string, number> = {};
  const latencies: number[] = [];
  let aborted = 0;
  let networkErrors = 0;
  for (const outcome of outcomes) {
    if ("status" in outcome) {
      statusCounts[outcome.status] = (statusCounts[outcome.status] ?? 0) + 1;
      latencies.push(outcome.ms);
    } else if ("aborted" in outcome) aborted += 1;
    else networkErrors += 1;
  }
  return {
    requests: outcomes.length,
    statusCounts,
    aborted,
    networkErrors,
    latency: { p50Ms: quantile(latencies, 0.5), p99Ms: quantile(latencies, 0.99) },
  };
}

/** The RSS part of the report: start, peak, end and the second half's slope against the criterion. */
export function rssFigures(samplesMb: readonly number[]): SoakReport["rss"] {
  const secondHalf = samplesMb.slice(Math.floor(samplesMb.length / 2));
  const slope = slopePerMinute(secondHalf);
  return {
    samplesMb: [...samplesMb],
    startMb: samplesMb[0] ?? 0,
    peakMb: Math.max(...samplesMb),
    endMb: samplesMb.at(-1) ?? 0,
    secondHalfSlopeMbPerMinute: slope,
    flatSlopeMbPerMinute,
    flat: slope <= flatSlopeMbPerMinute,
  };
}

/** Writes the report as a few readable lines, ending with PASS or FAIL. */
export function printSoakReport(report: SoakReport): void {
  const { rss, latency } = report;
  const kinds = Object.entries(report.kinds)
    .map(
      ([kind, figures]) =>
        `  ${kind.padEnd(15)} ${String(figures.requests).padStart(6)} requests  ${JSON.stringify(figures.statusCounts)}${figures.aborted > 0 ? `  aborted ${figures.aborted}` : ""}  p50 ${figures.latency.p50Ms} ms  p99 ${figures.latency.p99Ms} ms`,
    )
    .join("\n");
  const lines = [
    `serve soak: ${report.dataset} adapter, ${report.seconds} s, ${report.connections} connections, upstream hanging from ${report.upstreamOutage.fromSecond} s to ${report.upstreamOutage.toSecond} s`,
    `requests ${report.requests} (${report.requestsPerSecond}/s), p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms (answered requests)`,
    `status counts ${JSON.stringify(report.statusCounts)}, 5xx ${report.serverErrors}, client aborts ${report.aborted}, network errors ${report.networkErrors}`,
    kinds,
    `circuit breaker: opened ${report.breaker.opened}, closed ${report.breaker.closed}`,
    `RSS start ${rss.startMb} MB, peak ${rss.peakMb} MB, end ${rss.endMb} MB; second-half slope ${rss.secondHalfSlopeMbPerMinute} MB/min (flat: <= ${rss.flatSlopeMbPerMinute}) ${rss.flat ? "flat" : "GROWING"}`,
    `serve: ${report.serve.crashed ? "CRASHED" : "no crash"}, exit code ${report.serve.exitCode} after SIGTERM, ${report.serve.stderrErrorLines.length} error lines on stderr; decision log ${report.decisionLogLines} lines`,
    report.pass ? "PASS" : "FAIL",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}
