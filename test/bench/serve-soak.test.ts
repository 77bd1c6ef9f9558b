import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  flatSlopeMbPerMinute,
  quantile,
  rssFigures,
  slopePerMinute,
  soakReportSchema,
} from "../../bench/serve-soak/soak-report.js";
import { requestKinds } from "../../bench/serve-soak/soak-traffic.js";
import { ticketsAdapterFolder, ticketsDir } from "../fixtures/serve/tickets-adapter.js";
import { type CliResult, runSourceScript } from "../support/run-cli.js";

const soakEntry = fileURLToPath(new URL("../../bench/serve-soak.ts", import.meta.url));

/** Runs the soak from source in a child process; its stdout, stderr and exit code. */
function runSoak(args: string[]): Promise<CliResult> {
  return runSourceScript(soakEntry, args, {
    nodeArguments: ["--experimental-websocket"],
    timeoutMs: 150_000,
  });
}

describe("serve soak", () => {
  it("a 6 s soak of the real CLI ends with no 5xx, no crash, every kind of traffic and a well-formed report", async () => {
    const adapterDir = await ticketsAdapterFolder();
    const result = await runSoak([
      "--dataset",
      ticketsDir,
      "--answer-column",
      "llm",
      "--adapter-dir",
      adapterDir,
      "--seconds",
      "6",
      "--connections",
      "8",
      "--json",
    ]);
    // 0 (PASS) or 1 (FAIL): a 6 s run is too short for the RSS slope to mean anything.
    expect([0, 1], result.stderr).toContain(result.status);
    const lines = result.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const report = soakReportSchema.parse(JSON.parse(lines[0] ?? ""));
    expect(report.serverErrors).toBe(0);
    expect(Object.keys(report.statusCounts).filter((status) => Number(status) >= 500)).toEqual([]);
    expect(report.networkErrors).toBe(0);
    expect(report.serve).toEqual({ crashed: false, exitCode: 0, stderrErrorLines: [] });
    // Every kind of traffic was sent, and the malformed bodies were 4xx.
    expect(Object.keys(report.kinds).sort()).toEqual(Object.keys(requestKinds).sort());
    const malformed = report.kinds.malformed?.statusCounts ?? {};
    expect(Object.keys(malformed).every((status) => /^4\d\d$/.test(status))).toBe(true);
    expect(report.kinds["client-abort"]?.aborted).toBeGreaterThan(0);
    // The upstream hung long enough for the breaker to open, and came back.
    expect(report.breaker.opened).toBeGreaterThanOrEqual(1);
    expect(report.breaker.closed).toBeGreaterThanOrEqual(1);
    // The report adds up.
    const kinds = Object.values(report.kinds);
    expect(kinds.reduce((sum, kind) => sum + kind.requests, 0)).toBe(report.requests);
    const answered = Object.values(report.statusCounts).reduce((sum, count) => sum + count, 0);
    expect(answered + report.aborted + report.networkErrors).toBe(report.requests);
    const { rss } = report;
    expect(rss.samplesMb.length).toBeGreaterThanOrEqual(5);
    expect(rss.startMb).toBe(rss.samplesMb[0]);
    expect(rss.endMb).toBe(rss.samplesMb.at(-1));
    expect(rss.peakMb).toBe(Math.max(...rss.samplesMb));
    // Two full collections in serve (through its inspector): at the middle and just before the end.
    expect(rss.afterFullGc.map((probe) => probe.second)).toEqual([3, 5.5]);
    for (const probe of rss.afterFullGc) expect(probe.liveHeapMb).toBeGreaterThan(0);
    expect(rss.flat).toBe(rss.afterFullGcSlopeMbPerMinute <= flatSlopeMbPerMinute);
    expect(report.pass).toBe(rss.flat);
    expect(report.decisionLogLines).toBeGreaterThan(0);
  }, 180_000);

  it("measures the slope per minute of one sample a second, and quantiles by nearest rank", () => {
    expect(slopePerMinute([100, 100.5, 101, 101.5])).toBe(30);
    expect(slopePerMinute([100, 100, 100])).toBe(0);
    expect(quantile([5, 1, 3, 2, 4], 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4, 100], 0.99)).toBe(100);
    const gcProbes = (midRss: number, endRss: number) => [
      { second: 30, liveHeapMb: 20, rssMb: midRss },
      { second: 60, liveHeapMb: 20.5, rssMb: endRss },
    ];
    const growing = rssFigures([100, 90, 100, 101, 102, 103], gcProbes(100, 106));
    expect(growing).toMatchObject({ startMb: 100, peakMb: 103, endMb: 103, flat: false });
    expect(growing.secondHalfSlopeMbPerMinute).toBe(60);
    expect(growing.afterFullGcSlopeMbPerMinute).toBe(12);
    expect(growing.liveHeapSlopeMbPerMinute).toBe(1);
    // Flat: RSS after a full collection grew by at most the criterion, whatever the sawtooth between.
    expect(rssFigures([100, 140, 120, 130, 140, 150], gcProbes(100, 101)).flat).toBe(true);
    // Without both collections there is no verdict but FAIL.
    expect(rssFigures([100, 100], []).flat).toBe(false);
  });
});
