import { z } from "zod";

/** What bench:fleet aims at (the targets): the SSM route with `--redis` within 10% of without. */
export const fleetTargets = { ssmRedisRatio: 0.9, failedRequests: 0 };

const count = z.number().int().nonnegative();

const loadFiguresSchema = z.object({
  requests: count,
  requestsPerSecond: z.number().nonnegative(),
  latencyP50Ms: z.number().nonnegative(),
  latencyP99Ms: z.number().nonnegative(),
  /** Errors, timeouts and non-2xx answers together. */
  errors: count,
});

/** Requests/s and latency of one load run. */
export type LoadFigures = z.infer<typeof loadFiguresSchema>;

const windowSchema = z.object({
  inputs: count,
  lmCalls: count,
  /** ⌈S·n⌉. */
  capCalls: count,
  /** lmCalls − ⌈S·n⌉ (negative: under the cap). */
  overshoot: z.number().int(),
});

/** Inputs, LLM calls (counted at the replay server), ⌈S·n⌉ and the overshoot over a stretch of load. */
export type WindowFigures = z.infer<typeof windowSchema>;

const ssmSummarySchema = z.object({
  /** Each round's requests/s, in order. */
  roundsRequestsPerSecond: z.array(z.number().nonnegative()),
  requestsPerSecond: z.number().nonnegative(),
  /** serve's user + system CPU time per request (median of the rounds), from /proc. */
  serveCpuMsPerRequest: z.number().nonnegative(),
  latencyP99Ms: z.number().nonnegative(),
  errors: count,
});

const ssmRouteSchema = z.object({
  rounds: z.number().int().positive(),
  withoutRedis: ssmSummarySchema,
  withRedis: ssmSummarySchema,
  /** withRedis / withoutRedis requests/s. */
  ratio: z.number().nonnegative(),
  /** The commands Redis processed during the measured runs with `--redis`, by name. */
  redisCommands: z.record(z.string(), count),
  redisCommandsPerRequest: z.number().nonnegative(),
});

/** The SSM route's throughput with and without `--redis`. */
export type SsmRouteFigures = z.infer<typeof ssmRouteSchema>;

/** bench:fleet's report (printed as lines, or as JSON with `--json`); the test parses it with this schema. */
export const fleetReportSchema = z.object({
  dataset: z.string(),
  cores: z.number().int().positive(),
  share: z.number().positive(),
  /** The share of the dataset's texts the router sends to the LLM. */
  routerShare: z.number().min(0).max(1),
  connections: z.number().int().positive(),
  durationSeconds: z.number().positive(),
  warmUpSeconds: z.number().positive(),
  upstreamLatencyMs: z.number().nonnegative(),
  throughput: z.object({
    oneReplica: loadFiguresSchema,
    threeReplicas: loadFiguresSchema,
    /** threeReplicas / oneReplica requests/s. */
    gain: z.number().nonnegative(),
  }),
  cap: windowSchema.extend({
    failed: count,
    routerWantedLm: count,
    /** ⌈S·n⌉ + replicas. */
    bound: count,
    withinBound: z.boolean(),
  }),
  redisOutage: z.object({
    outageSeconds: z.number().positive(),
    failed: count,
    whole: windowSchema,
    duringOutage: windowSchema,
  }),
  ssmRoute: ssmRouteSchema,
  targets: z.object({ ssmRedisRatio: z.number(), failedRequests: z.number() }),
  pass: z.object({ cap: z.boolean(), noFailedRequests: z.boolean(), ssmRoute: z.boolean() }),
});

/** bench:fleet's report. */
export type FleetReport = z.infer<typeof fleetReportSchema>;

/** Writes the report as a few readable lines. */
export function printFleetReport(report: FleetReport): void {
  const { throughput, cap, redisOutage, ssmRoute } = report;
  const mark = (ok: boolean) => (ok ? "ok" : "MISSED");
  const load = (figures: FleetReport["throughput"]["oneReplica"]) =>
    `${figures.requestsPerSecond} requests/s, p50 ${figures.latencyP50Ms} ms, p99 ${figures.latencyP99Ms} ms, ${figures.errors} errors`;
  const window = (figures: FleetReport["cap"]) =>
    `${figures.inputs} inputs, ${figures.lmCalls} LLM calls, ⌈S·n⌉ = ${figures.capCalls}, overshoot ${figures.overshoot}`;
  const lines = [
    `fleet bench: ${report.dataset} adapter at --max-lm-share ${report.share} (its router wants the LLM for ${Math.round(report.routerShare * 1000) / 10}% of the texts), ${report.cores} cores, ${report.connections} connections x ${report.durationSeconds} s (after ${report.warmUpSeconds} s of warm-up), upstream ${report.upstreamLatencyMs} ms`,
    `one replica behind HAProxy:    ${load(throughput.oneReplica)}`,
    `three replicas behind HAProxy: ${load(throughput.threeReplicas)}`,
    `three against one: x${throughput.gain} requests/s (the replicas, HAProxy, Redis, the replay server and the load generator share ${report.cores} cores)`,
    `cap over three replicas: ${window(cap)} (router wanted ${cap.routerWantedLm}); bound ⌈S·n⌉ + 3 = ${cap.bound}: ${mark(cap.withinBound)}; ${cap.failed} failed`,
    `Redis killed for ${redisOutage.outageSeconds} s under load: ${redisOutage.failed} failed requests (${mark(redisOutage.failed === 0)})`,
    `  whole phase:   ${window({ ...cap, ...redisOutage.whole })}`,
    `  during outage: ${window({ ...cap, ...redisOutage.duringOutage })}`,
    `SSM route, one replica: without --redis ${ssmRoute.withoutRedis.requestsPerSecond} requests/s (p99 ${ssmRoute.withoutRedis.latencyP99Ms} ms), with --redis ${ssmRoute.withRedis.requestsPerSecond} requests/s (p99 ${ssmRoute.withRedis.latencyP99Ms} ms): x${ssmRoute.ratio} (target >= ${report.targets.ssmRedisRatio}: ${mark(report.pass.ssmRoute)}), median of ${ssmRoute.rounds} rounds (without: ${ssmRoute.withoutRedis.roundsRequestsPerSecond.join(", ")}; with: ${ssmRoute.withRedis.roundsRequestsPerSecond.join(", ")})`,
    `  serve's CPU per request: without --redis ${ssmRoute.withoutRedis.serveCpuMsPerRequest} ms, with --redis ${ssmRoute.withRedis.serveCpuMsPerRequest} ms`,
    `  Redis commands meanwhile: ${JSON.stringify(ssmRoute.redisCommands)}, ${ssmRoute.redisCommandsPerRequest} per request`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}
