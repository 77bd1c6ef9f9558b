import { z } from "zod";
import type { Outcome, RequestKind } from "./soak-traffic.js";

/**
 * RSS is flat when serve's RSS right after a full, memory-reducing garbage collection (forced
 * through its inspector at the middle and just before the end of the run) grows by at most this
 * many MB per minute over the second half. The raw RSS samples are reported too, but are no
 * verdict: between its own full collections V8 lets garbage pile up in a sawtooth tens of MB high
 * and a minute or more long (seen: 109 to 178 MB, then down to 149 MB, with the live heap at
 * 18.5 MB throughout), so a 30 s slope of raw RSS says more about the phase of that sawtooth than
 * about a leak. At this limit, a leak of 2 KB per request shows at 80 requests/s (a loaded 2-core
 * machine), one of 200 bytes at 800 requests/s; longer runs (`--seconds`) see smaller ones.
 */
export const flatSlopeMbPerMinute = 10;

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
    afterFullGc: z.array(z.object({ second: z.number(), liveHeapMb: z.number(), rssMb: z.number() })),
    afterFullGcSlopeMbPerMinute: z.number(),
    liveHeapSlopeMbPerMinute: z.number(),
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
export function rssFigures(
  samplesMb: readonly number[],
  afterFullGc: SoakReport["rss"]["afterFullGc"],
): SoakReport["rss"] {
  const secondHalf = samplesMb.slice(Math.floor(samplesMb.length / 2));
  const first = afterFullGc[0];
  const last = afterFullGc.at(-1);
  const minutes = first === undefined || last === undefined ? 0 : (last.second - first.second) / 60;
  const perMinute = (change: number) => (minutes > 0 ? Math.round((change / minutes) * 100) / 100 : 0);
  const afterFullGcSlope = perMinute((last?.rssMb ?? 0) - (first?.rssMb ?? 0));
  return {
    samplesMb: [...samplesMb],
    startMb: samplesMb[0] ?? 0,
    peakMb: Math.max(...samplesMb),
    endMb: samplesMb.at(-1) ?? 0,
    secondHalfSlopeMbPerMinute: slopePerMinute(secondHalf),
    afterFullGc: [...afterFullGc],
    afterFullGcSlopeMbPerMinute: afterFullGcSlope,
    liveHeapSlopeMbPerMinute: perMinute((last?.liveHeapMb ?? 0) - (first?.liveHeapMb ?? 0)),
    flatSlopeMbPerMinute,
    flat: afterFullGc.length === 2 && afterFullGcSlope <= flatSlopeMbPerMinute,
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
    `RSS start ${rss.startMb} MB, peak ${rss.peakMb} MB, end ${rss.endMb} MB; raw second-half slope ${rss.secondHalfSlopeMbPerMinute} MB/min`,
    `after a full GC: ${rss.afterFullGc.map((probe) => `at ${probe.second} s RSS ${probe.rssMb} MB, live heap ${probe.liveHeapMb} MB`).join("; ")}`,
    `second-half slope after a full GC: RSS ${rss.afterFullGcSlopeMbPerMinute} MB/min (flat: <= ${rss.flatSlopeMbPerMinute}), live heap ${rss.liveHeapSlopeMbPerMinute} MB/min: ${rss.flat ? "flat" : "GROWING"}`,
    `serve: ${report.serve.crashed ? "CRASHED" : "no crash"}, exit code ${report.serve.exitCode} after SIGTERM, ${report.serve.stderrErrorLines.length} error lines on stderr; decision log ${report.decisionLogLines} lines`,
    report.pass ? "PASS" : "FAIL",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}
