import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { loadAdapter } from "../../src/adapter/load-adapter.js";
import { chatBody } from "../fixtures/serve/serve-fixture.js";
import { type ServeProcess, startServeProcess } from "../fixtures/serve/serve-process.js";
import { readTicketRows, ticketsAdapterFolder } from "../fixtures/serve/tickets-adapter.js";

const answerSchema = z.object({
  easy_adapt: z.object({ route: z.string(), fallback_reason: z.string().optional() }),
});

interface Timed {
  status: number;
  ms: number;
  route: string;
  reason: string | undefined;
}

/** The median of `values`. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** An upstream that accepts each connection and resets it at once, counting them. */
async function startResettingUpstream(): Promise<{
  url: string;
  readonly connections: number;
  close(): Promise<void>;
}> {
  let connections = 0;
  const server = createServer((socket) => {
    connections += 1;
    socket.resetAndDestroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}/v1`,
    get connections() {
      return connections;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("serve with its upstream LLM dead", () => {
  let serve: ServeProcess;
  let routedTexts: string[];
  let upstream: Awaited<ReturnType<typeof startResettingUpstream>>;

  beforeAll(async () => {
    upstream = await startResettingUpstream();
    const adapterDir = await ticketsAdapterFolder();
    const adapter = await loadAdapter(adapterDir);
    routedTexts = readTicketRows("test.csv")
      .map((row) => row.text)
      .filter((text) => adapter.decide(text).useLm);
    serve = await startServeProcess([
      "--adapter",
      adapterDir,
      "--lm-base-url",
      upstream.url,
      "--lm-timeout-ms",
      "1000",
    ]);
  }, 60_000);
  afterAll(async () => {
    await serve?.stop();
    await upstream?.close();
  });

  const ask = async (index: number): Promise<Timed> => {
    const startedAt = performance.now();
    const response = await fetch(`${serve.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: chatBody("tickets", routedTexts[index % routedTexts.length]!),
    });
    const body = answerSchema.parse(await response.json());
    return {
      status: response.status,
      ms: performance.now() - startedAt,
      route: body.easy_adapt.route,
      reason: body.easy_adapt.fallback_reason,
    };
  };

  it("falls back within 1.5 s (p50) until the breaker opens, then at once with no call, never past the deadline, no 5xx", async () => {
    const results: Timed[] = new Array(200);
    let upstreamConnectionsAt100 = 0;
    let next = 0;
    const worker = async () => {
      while (next < results.length) {
        const index = next++;
        if (index === 100) upstreamConnectionsAt100 = upstream.connections;
        results[index] = await ask(index);
      }
    };
    await Promise.all(Array.from({ length: 50 }, worker));
    const connectionsWhenOpen = upstreamConnectionsAt100;
    expect(results.filter((result) => result.status !== 200)).toEqual([]);
    expect(results.every((result) => result.route === "fallback")).toBe(true);
    expect(Math.max(...results.map((result) => result.ms))).toBeLessThan(10_000);
    expect(median(results.slice(0, 50).map((result) => result.ms))).toBeLessThanOrEqual(1_500);
    const afterOpen = results.slice(100);
    expect(afterOpen.every((result) => result.reason === "circuit-open")).toBe(true);
    // The target is 20 ms (about 7 ms measured on an idle machine): the bound only says that no
    // attempt, backoff or timeout is waited for; it is loose for a loaded machine.
    expect(median(afterOpen.map((result) => result.ms))).toBeLessThanOrEqual(1_000);
    // While open, no call reaches the upstream (at most the few probes after each cool-down).
    expect(upstream.connections - connectionsWhenOpen).toBeLessThanOrEqual(2);
  }, 60_000);

  it("says so in /healthz, /metrics and one stderr line per change of state", async () => {
    const health = z
      .object({ lm_circuit: z.string() })
      .parse(await (await fetch(`${serve.url}/healthz`)).json());
    expect(health.lm_circuit).toBe("open");
    const metrics = await (await fetch(`${serve.url}/metrics`)).text();
    expect(metrics).toMatch(/^easy_adapt_lm_circuit_state 2$/m);
    const circuitOpen = /^easy_adapt_fallbacks_total\{reason="circuit-open"\} (\d+)$/m.exec(metrics);
    expect(Number(circuitOpen?.[1])).toBeGreaterThanOrEqual(150);
    const lines = serve.stderr().trim().split("\n");
    const opened = lines.filter((line) => line.includes('"event":"lm-circuit-open"'));
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatch(/5 upstream calls in a row failed \(the last: LargeModelNetworkError/);
    expect(upstream.connections).toBeLessThan(40);
    // Upstream failures leave a line, rate-limited: not one per request.
    const failures = lines.filter((line) => line.includes('"event":"lm-upstream-failure"'));
    expect(failures.length).toBeGreaterThanOrEqual(1);
    expect(failures.length).toBeLessThanOrEqual(2);
  });
});
