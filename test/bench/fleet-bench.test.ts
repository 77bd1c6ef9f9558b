import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { fleetReportSchema } from "../../bench/fleet/fleet-report.js";
import { haproxyMissing } from "../../bench/fleet/haproxy.js";
import { redisMissing } from "../../bench/fleet/redis-server.js";
import { ticketsAdapterFolder, ticketsDir } from "../fixtures/serve/tickets-adapter.js";
import { type CliResult, runSourceScript } from "../support/run-cli.js";

const benchEntry = fileURLToPath(new URL("../../bench/fleet-bench.ts", import.meta.url));

/** Runs bench:fleet from source in a child process; its stdout, stderr and exit code. */
function runFleetBench(args: string[]): Promise<CliResult> {
  return runSourceScript(benchEntry, args, { timeoutMs: 150_000 });
}

describe.skipIf(haproxyMissing !== undefined || redisMissing !== undefined)("fleet bench", () => {
  it("a short run over the tickets adapter prints a well-formed report: the cap held, no failed request", async () => {
    const result = await runFleetBench([
      "--dataset",
      ticketsDir,
      "--answer-column",
      "llm",
      "--adapter-dir",
      await ticketsAdapterFolder(),
      "--duration",
      "1",
      "--warm-up",
      "1",
      "--connections",
      "8",
      "--inputs",
      "200",
      "--outage-seconds",
      "1",
      "--ssm-rounds",
      "1",
      "--json",
    ]);
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const report = fleetReportSchema.parse(JSON.parse(lines[0] ?? ""));
    expect(report.dataset).toBe("tickets");
    expect(report.throughput.oneReplica.requests).toBeGreaterThan(0);
    expect(report.throughput.threeReplicas.requests).toBeGreaterThan(0);
    expect(report.cap.inputs).toBe(200);
    expect(report.cap.capCalls).toBe(20);
    expect(report.cap.bound).toBe(23);
    expect(report.cap.withinBound).toBe(report.cap.lmCalls <= 23);
    expect(report.cap.withinBound).toBe(true);
    // The router wants the LLM for far more than the cap lets through.
    expect(report.cap.routerWantedLm).toBeGreaterThan(2 * report.cap.lmCalls);
    expect(report.redisOutage.failed).toBe(0);
    expect(report.redisOutage.duringOutage.inputs).toBeGreaterThan(0);
    expect(report.redisOutage.whole.inputs).toBeGreaterThan(report.redisOutage.duringOutage.inputs);
    expect(report.pass.noFailedRequests).toBe(true);
    const { ssmRoute } = report;
    expect(ssmRoute.withoutRedis.errors + ssmRoute.withRedis.errors).toBe(0);
    expect(ssmRoute.ratio).toBe(
      Math.round((ssmRoute.withRedis.requestsPerSecond / ssmRoute.withoutRedis.requestsPerSecond) * 1000) /
        1000,
    );
    // Redis hears from a replica on a timer, not once per SSM-routed request.
    expect(ssmRoute.redisCommandsPerRequest).toBeLessThan(0.5);
  }, 180_000);
});
