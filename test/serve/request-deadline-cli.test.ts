import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, type ExpectStatic, it } from "vitest";
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

// Concurrent: each test waits on its own server and upstream, mostly idle.
describe.concurrent("serve's per-request deadline and per-attempt timeout (CLI, real upstreams on loopback)", () => {
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
  const classify = async (serve: ServeProcess, inputs: string[], expect: ExpectStatic) => {
    const startedAt = performance.now();
    const response = await fetch(`${serve.url}/v1/classify`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ inputs }),
    });
    expect(response.status).toBe(200);
    return { ms: performance.now() - startedAt, results: resultsSchema.parse(await response.json()).results };
  };

  it("bills at most 2 upstream calls per input when the upstream answers in 5 s and --lm-timeout-ms is 2000", async ({
    expect,
  }) => {
    const upstream = await startUpstream({ answerAfterMs: 5_000 });
    const serve = await serveAgainst(upstream, ["--lm-timeout-ms", "2000"]);
    // One input, so that the circuit breaker (5 failures) does not stop the retries first.
    const { results } = await classify(serve, [routed[0]!], expect);
    expect(results[0]?.fallback_reason).toBe("lm-timeout");
    expect(upstream.bodies.length).toBeGreaterThanOrEqual(1);
    expect(upstream.bodies.length).toBeLessThanOrEqual(2);
  }, 30_000);

  it("answers with the SSM at the deadline, also for an input still waiting for a call slot", async ({
    expect,
  }) => {
    const upstream = await startUpstream("hang");
    const serve = await serveAgainst(upstream, ["--request-timeout-ms", "1500", "--concurrency", "1"]);
    // One batch, one deadline: the first input's call hangs, the second waits for the only call slot.
    const answer = await classify(serve, [routed[0]!, routed[1]!], expect);
    expect(answer.results.map((result) => result.fallback_reason)).toEqual(["deadline", "deadline"]);
    expect(answer.ms).toBeGreaterThanOrEqual(1_400);
    expect(answer.ms).toBeLessThan(5_000);
    // One call slot: the second input waited for it and was never sent.
    expect(upstream.bodies).toHaveLength(1);
    const metrics = await (await fetch(`${serve.url}/metrics`)).text();
    expect(metrics).toMatch(/^easy_adapt_fallbacks_total\{reason="deadline"\} 2$/m);
  }, 30_000);

  it("cuts a retry backoff at the deadline", async ({ expect }) => {
    const upstream = await startUpstream("500");
    const serve = await serveAgainst(upstream, [
      "--request-timeout-ms",
      "1000",
      "--retry-base-delay-ms",
      "30000",
    ]);
    const answer = await classify(serve, [routed[0]!], expect);
    expect(answer.results[0]?.fallback_reason).toBe("deadline");
    expect(answer.ms).toBeLessThan(5_000);
    expect(upstream.bodies).toHaveLength(1);
  }, 30_000);
});
