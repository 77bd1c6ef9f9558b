import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { loadAdapter } from "../../src/adapter/load-adapter.js";
import { type ServeProcess, startServeProcess } from "../fixtures/serve/serve-process.js";
import { readTicketRows, ticketsAdapterFolder } from "../fixtures/serve/tickets-adapter.js";

/** An upstream that records each request body, then answers after `delayMs`, hangs, or answers 500. */
async function startUpstream(mode: { answerAfterMs: number } | "hang" | "500") {
  const bodies: string[] = [];
  const server: Server = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8").on("data", (chunk: string) => {
      body += chunk;
    });
    request.on("end", () => {
      bodies.push(body);
      if (mode === "hang") return;
      if (mode === "500") {
        response.writeHead(500, { "content-type": "application/json" }).end('{"error":{"message":"boom"}}');
        return;
      }
      setTimeout(() => {
        if (response.destroyed) return;
        response.writeHead(200, { "content-type": "application/json" });
        response.end(
          JSON.stringify({ choices: [{ index: 0, message: { role: "assistant", content: "x" } }] }),
        );
      }, mode.answerAfterMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    bodies,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const resultsSchema = z.object({
  results: z.array(z.object({ route: z.string(), fallback_reason: z.string().optional() })),
});

describe("serve's per-request deadline and per-attempt timeout (CLI, real upstreams on loopback)", () => {
  let adapterDir: string;
  let routed: string[];
  const cleanUps: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    adapterDir = await ticketsAdapterFolder();
    const adapter = await loadAdapter(adapterDir);
    routed = readTicketRows("test.csv")
      .map((row) => row.text)
      .filter((text) => adapter.decide(text).useLm);
  }, 60_000);
  afterAll(async () => {
    for (const cleanUp of cleanUps) await cleanUp();
  });

  const serveAgainst = async (upstream: { url: string; close(): Promise<void> }, flags: string[]) => {
    const serve = await startServeProcess(["--adapter", adapterDir, "--lm-base-url", upstream.url, ...flags]);
    cleanUps.push(
      () => serve.stop(),
      () => upstream.close(),
    );
    return serve;
  };
  const classify = async (serve: ServeProcess, inputs: string[]) => {
    const startedAt = performance.now();
    const response = await fetch(`${serve.url}/v1/classify`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ inputs }),
    });
    expect(response.status).toBe(200);
    return { ms: performance.now() - startedAt, results: resultsSchema.parse(await response.json()).results };
  };

  it("bills at most 2 upstream calls per input when the upstream answers in 5 s and --lm-timeout-ms is 2000", async () => {
    const upstream = await startUpstream({ answerAfterMs: 5_000 });
    const serve = await serveAgainst(upstream, ["--lm-timeout-ms", "2000"]);
    const inputs = routed.slice(0, 3);
    const { results } = await classify(serve, inputs);
    expect(results.map((result) => result.fallback_reason)).toEqual([
      "lm-timeout",
      "lm-timeout",
      "lm-timeout",
    ]);
    for (const input of inputs) {
      const calls = upstream.bodies.filter((body) => body.includes(JSON.stringify(input).slice(1, -1)));
      expect(calls.length).toBeGreaterThanOrEqual(1);
      expect(calls.length).toBeLessThanOrEqual(2);
    }
  }, 30_000);

  it("answers with the SSM at the deadline, also for an input still waiting for a call slot", async () => {
    const upstream = await startUpstream("hang");
    const serve = await serveAgainst(upstream, ["--request-timeout-ms", "1500", "--concurrency", "1"]);
    const [first, second] = await Promise.all([classify(serve, [routed[0]!]), classify(serve, [routed[1]!])]);
    for (const answer of [first, second]) {
      expect(answer.results[0]?.fallback_reason).toBe("deadline");
      expect(answer.ms).toBeGreaterThanOrEqual(1_400);
      expect(answer.ms).toBeLessThan(5_000);
    }
    // One call slot: the second input waited for it and was never sent.
    expect(upstream.bodies).toHaveLength(1);
    const metrics = await (await fetch(`${serve.url}/metrics`)).text();
    expect(metrics).toMatch(/^easy_adapt_fallbacks_total\{reason="deadline"\} 2$/m);
  }, 30_000);

  it("cuts a retry backoff at the deadline", async () => {
    const upstream = await startUpstream("500");
    const serve = await serveAgainst(upstream, [
      "--request-timeout-ms",
      "1000",
      "--retry-base-delay-ms",
      "30000",
    ]);
    const answer = await classify(serve, [routed[0]!]);
    expect(answer.results[0]?.fallback_reason).toBe("deadline");
    expect(answer.ms).toBeLessThan(5_000);
    expect(upstream.bodies).toHaveLength(1);
  }, 30_000);
});
