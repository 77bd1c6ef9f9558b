import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadAdapter } from "../../src/adapter/load-adapter.js";
import { createCircuitBreaker } from "../../src/large-models/circuit-breaker.js";
import { logCircuitEvents } from "../../src/serve/circuit-log.js";
import { type ServeHandle, startServe } from "../../src/serve/start-serve.js";
import { warmUpBudgetMs } from "../../src/serve/warm-up.js";
import type { Adapter } from "../../src/spec/adapter.js";
import type { Logger } from "../../src/spec/logger.js";
import { deadPort } from "../fixtures/serve/serve-process.js";
import { ticketsAdapterFolder } from "../fixtures/serve/tickets-adapter.js";

/** Resolves "refused" or "connected" for a TCP connection to `port` on loopback (then closes it). */
function connectOutcome(port: number): Promise<"refused" | "connected"> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", () => resolve("refused"));
  });
}

/** Resolves with the milliseconds until the server closes `socket`. */
function closedAfter(socket: Socket): Promise<number> {
  const startedAt = performance.now();
  return new Promise((resolve) => socket.once("close", () => resolve(performance.now() - startedAt)));
}

describe("serve's HTTP server against slow and greedy clients", () => {
  let adapter: Adapter;
  let serve: ServeHandle;
  let port: number;

  beforeAll(async () => {
    adapter = await loadAdapter(await ticketsAdapterFolder());
    serve = await startServe({
      adapter,
      httpLimits: { headersTimeoutMs: 500, requestTimeoutMs: 1000, maxConnections: 4 },
    });
    port = serve.port;
  }, 60_000);
  afterAll(async () => {
    await serve?.close({ drainTimeoutMs: 100 });
  });

  it("answers a normal request while a slowloris client sends its headers byte by byte, and cuts that client off", async () => {
    const slow = connect(port, "127.0.0.1");
    slow.on("error", () => {});
    const closed = closedAfter(slow);
    const head = "POST /v1/classify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
    let sent = 0;
    const drip = setInterval(() => {
      if (!slow.destroyed && sent < head.length) slow.write(head[sent++]!);
    }, 50);
    try {
      const startedAt = performance.now();
      const response = await fetch(`${serve.url}/healthz`);
      expect(response.status).toBe(200);
      expect(performance.now() - startedAt).toBeLessThan(500);
      // Cut off once its headers are late (0.5 s here), checked every 0.5 s: well before Node's 60 s.
      expect(await closed).toBeLessThan(3_000);
    } finally {
      clearInterval(drip);
      slow.destroy();
    }
  });

  it("closes connections beyond the cap on arrival", async () => {
    const idle = await Promise.all(
      Array.from(
        { length: 4 },
        () =>
          new Promise<Socket>((resolve) => {
            const socket = connect(port, "127.0.0.1", () => resolve(socket));
            socket.on("error", () => {});
          }),
      ),
    );
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const extra = connect(port, "127.0.0.1");
      extra.on("error", () => {});
      expect(await closedAfter(extra)).toBeLessThan(1_000);
    } finally {
      for (const socket of idle) socket.destroy();
    }
  });
});

describe("serve's warm-up", () => {
  it("runs the adapter's router and SSM before the port opens", async () => {
    const adapter = await loadAdapter(await ticketsAdapterFolder());
    const port = await deadPort();
    let portAtFirstDecision: Promise<"refused" | "connected"> | undefined;
    const spied: Adapter = {
      task: adapter.task,
      lmId: adapter.lmId,
      maxLmShare: adapter.maxLmShare,
      decide(text) {
        portAtFirstDecision ??= connectOutcome(port);
        return adapter.decide(text);
      },
      predict: (text, options) => adapter.predict(text, options),
      predictBatch: (texts, options) => adapter.predictBatch(texts, options),
    };
    const serve = await startServe({ adapter: spied, port });
    try {
      expect(await portAtFirstDecision).toBe("refused");
      expect(await connectOutcome(port)).toBe("connected");
      // The warm-up's requests are not the server's: its metrics start at zero.
      const metrics = await (await fetch(`${serve.url}/metrics`)).text();
      expect(metrics).toMatch(/^easy_adapt_predictions_total\{route="ssm"\} 0$/m);
    } finally {
      await serve.close({ drainTimeoutMs: 100 });
    }
  }, 60_000);

  it("gives up within its budget when preparing texts never ends (a stuck encoder), and the server starts", async () => {
    const adapter = await loadAdapter(await ticketsAdapterFolder());
    const stuck: Adapter = {
      task: adapter.task,
      lmId: adapter.lmId,
      maxLmShare: adapter.maxLmShare,
      // Never resolves; rejects only when its signal aborts, as the sentence encoders do.
      prepare: (_texts, options) =>
        new Promise((_resolve, reject) => {
          if (options?.signal?.aborted) reject(options.signal.reason);
          options?.signal?.addEventListener("abort", () => reject(options.signal?.reason), { once: true });
        }),
      decide: (text) => adapter.decide(text),
      predict: (text, options) => adapter.predict(text, options),
      predictBatch: (texts, options) => adapter.predictBatch(texts, options),
    };
    const startedAt = performance.now();
    const serve = await startServe({ adapter: stuck });
    try {
      expect(performance.now() - startedAt).toBeLessThan(warmUpBudgetMs + 3_000);
      expect((await fetch(`${serve.url}/healthz`)).status).toBe(200);
    } finally {
      await serve.close({ drainTimeoutMs: 100 });
    }
  }, 60_000);
});

describe("the circuit breaker's log", () => {
  it("writes one line per change of state and at most one upstream-failure line per interval", () => {
    let now = 0;
    const lines: Array<[string, string, Record<string, unknown> | undefined]> = [];
    const logger: Logger = {
      info: (event, details) => lines.push(["info", event, details]),
      warn: (event, details) => lines.push(["warn", event, details]),
    };
    const breaker = createCircuitBreaker({ failures: 3, cooldownMs: 1_000, now: () => now });
    logCircuitEvents(breaker, logger, { intervalMs: 10_000, now: () => now });
    for (let call = 0; call < 3; call += 1) breaker.acquire()?.failed("ECONNREFUSED");
    now = 1_000;
    breaker.acquire()?.failed("ECONNREFUSED");
    now = 12_000;
    breaker.acquire()?.succeeded();
    expect(lines.map(([level, event]) => `${level} ${event}`)).toEqual([
      "warn lm-upstream-failure",
      "warn lm-circuit-open",
      "info lm-circuit-half-open",
      "warn lm-circuit-open",
      "info lm-circuit-half-open",
      "info lm-circuit-closed",
    ]);
    expect(lines[0]?.[2]).toMatchObject({ error: "ECONNREFUSED", failures: 1 });
  });
});
