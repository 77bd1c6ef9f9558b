import { rssFigures, type SoakReport, summarizeOutcomes } from "./soak-report.js";
import type { SoakMeasurement, SoakSchedule } from "./soak-run.js";

/** What the report is made of: the measurement, and what serve did and wrote. */
export interface SoakFacts {
  dataset: string;
  schedule: SoakSchedule;
  measurement: SoakMeasurement;
  /** serve exited before the soak stopped it. */
  crashed: boolean;
  /** serve's exit code after SIGTERM. */
  exitCode: number | null;
  serveStderr: string;
  decisionLogLines: number;
}

/** The soak's report: the figures over all requests and by kind, the breaker's changes, RSS, PASS or FAIL. */
export function soakReportOf(facts: SoakFacts): SoakReport {
  const { measurement, schedule } = facts;
  const all = [...measurement.outcomes.values()].flat();
  const overall = summarizeOutcomes(all);
  const kinds: SoakReport["kinds"] = {};
  for (const [kind, outcomes] of measurement.outcomes) kinds[kind] = summarizeOutcomes(outcomes);
  const serverErrors = Object.entries(overall.statusCounts)
    .filter(([status]) => Number(status) >= 500)
    .reduce((sum, [, count]) => sum + count, 0);
  const stderrLines = facts.serveStderr.split("\n").filter(Boolean);
  const events = stderrLines.map(eventOf);
  const rss = rssFigures(measurement.rssSamplesMb, measurement.afterFullGc);
  const stderrErrorLines = stderrLines.filter((_, index) => events[index]?.level === "error");
  const pass =
    rss.flat &&
    serverErrors === 0 &&
    overall.networkErrors === 0 &&
    !facts.crashed &&
    facts.exitCode === 0 &&
    stderrErrorLines.length === 0;
  return {
    dataset: facts.dataset,
    seconds: schedule.seconds,
    connections: schedule.connections,
    upstreamOutage: { ...schedule.outage, kind: "hang" },
    requests: overall.requests,
    requestsPerSecond: Math.round(overall.requests / measurement.elapsedSeconds),
    latency: overall.latency,
    statusCounts: overall.statusCounts,
    serverErrors,
    aborted: overall.aborted,
    networkErrors: overall.networkErrors,
    kinds,
    breaker: {
      opened: events.filter((event) => event.event === "lm-circuit-open").length,
      closed: events.filter((event) => event.event === "lm-circuit-closed").length,
    },
    rss,
    serve: { crashed: facts.crashed, exitCode: facts.exitCode, stderrErrorLines },
    decisionLogLines: facts.decisionLogLines,
    pass,
  };
}

/** The level and event of one of serve's JSON stderr lines (empty for other lines). */
function eventOf(line: string): { level?: string; event?: string } {
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== "object" || parsed === null) return {};
    const { level, event } = parsed as Record<string, unknown>;
    return {
      ...(typeof level === "string" ? { level } : {}),
      ...(typeof event === "string" ? { event } : {}),
    };
  } catch {
    return {};
  }
}
