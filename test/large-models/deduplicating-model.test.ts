import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createAnswerCache } from "../../src/large-models/answer-cache.js";
import { createCachedModel } from "../../src/large-models/cached-model.js";
import { createDeduplicatingModel } from "../../src/large-models/deduplicating-model.js";
import { LargeModelAbortedError } from "../../src/large-models/errors/index.js";
import { createOpenAICompatibleModel } from "../../src/large-models/openai-compatible-model.js";
import type { CompletionRequest } from "../../src/spec/large-model.js";
import { chatCompletionBody } from "../support/scripted-server.js";

const request = (text: string): CompletionRequest => ({
  messages: [
    { role: "system", content: "Classify. Labels: a, b" },
    { role: "user", content: text },
  ],
  temperature: 0,
  maxTokens: 8,
});

interface SlowUpstream {
  baseUrl: string;
  /** Requests received. */
  received: () => number;
  /** Requests whose client went away before the answer. */
  cutOff: () => number;
}

let server: Server | undefined;
let folder: string | undefined;
afterEach(async () => {
  const closing = server;
  server = undefined;
  closing?.closeAllConnections();
  await new Promise<void>((resolve) => (closing === undefined ? resolve() : closing.close(() => resolve())));
  if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
  folder = undefined;
});

/** A loopback LM that answers "a" after `delayMs`. */
async function startSlowUpstream(delayMs: number): Promise<SlowUpstream> {
  let received = 0;
  let cutOff = 0;
  server = createServer((incoming, response) => {
    incoming.resume();
    incoming.on("end", () => {
      received += 1;
      const timer = setTimeout(() => {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify(chatCompletionBody("a")));
      }, delayMs);
      response.on("close", () => {
        if (!response.writableFinished) {
          cutOff += 1;
          clearTimeout(timer);
        }
      });
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}/v1`, received: () => received, cutOff: () => cutOff };
}

describe("in-flight de-duplication of identical LM requests", () => {
  for (const withCache of [false, true]) {
    it(`sends 20 concurrent identical requests upstream once, all get the answer (${withCache ? "with" : "without"} the cache)`, async () => {
      const upstream = await startSlowUpstream(150);
      const connector = createOpenAICompatibleModel({ baseUrl: upstream.baseUrl, model: "m" });
      folder = mkdtempSync(join(tmpdir(), "dedup-"));
      const cache = withCache ? createAnswerCache(join(folder, "cache.sqlite")) : undefined;
      let shared = 0;
      const model = createDeduplicatingModel(
        cache === undefined ? connector : createCachedModel(connector, cache),
        { onShared: () => shared++ },
      );
      const answers = await Promise.all(Array.from({ length: 20 }, () => model.complete(request("x"))));
      expect(upstream.received()).toBe(1);
      expect(answers.map((answer) => answer.text)).toEqual(Array(20).fill("a"));
      expect(answers.filter((answer) => !answer.cached)).toHaveLength(1);
      expect(answers.filter((answer) => answer.shared === true)).toHaveLength(19);
      expect(shared).toBe(19);
      // Distinct requests are not merged; once settled, the same request is asked again (or hit the cache).
      await Promise.all([model.complete(request("y")), model.complete(request("z"))]);
      expect(upstream.received()).toBe(3);
      await model.complete(request("x"));
      expect(upstream.received()).toBe(withCache ? 3 : 4);
      cache?.close();
    });
  }

  it("an aborted waiter gets its abort at once and does not cut the shared call for the others", async () => {
    const upstream = await startSlowUpstream(300);
    const model = createDeduplicatingModel(
      createOpenAICompatibleModel({ baseUrl: upstream.baseUrl, model: "m" }),
    );
    const leader = new AbortController();
    const first = model.complete(request("x"), { signal: leader.signal });
    const others = Array.from({ length: 5 }, () =>
      model.complete(request("x"), { signal: new AbortController().signal }),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const abortedAt = Date.now();
    leader.abort();
    await expect(first).rejects.toBeInstanceOf(LargeModelAbortedError);
    expect(Date.now() - abortedAt).toBeLessThan(200);
    const answers = await Promise.all(others);
    expect(answers.map((answer) => answer.text)).toEqual(Array(5).fill("a"));
    expect(upstream.received()).toBe(1);
    expect(upstream.cutOff()).toBe(0);
  });

  it("cuts the shared call when every waiter has aborted, and the next caller starts afresh", async () => {
    const upstream = await startSlowUpstream(300);
    const model = createDeduplicatingModel(
      createOpenAICompatibleModel({ baseUrl: upstream.baseUrl, model: "m" }),
    );
    const controllers = [new AbortController(), new AbortController()];
    const calls = controllers.map((controller) =>
      model.complete(request("x"), { signal: controller.signal }),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const controller of controllers) controller.abort();
    for (const call of calls) await expect(call).rejects.toBeInstanceOf(LargeModelAbortedError);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(upstream.cutOff()).toBe(1);
    expect((await model.complete(request("x"))).text).toBe("a");
    expect(upstream.received()).toBe(2);
  });

  it("gives every waiter the shared call's error", async () => {
    const failing = createDeduplicatingModel({
      id: "m",
      complete: () => new Promise((_, reject) => setTimeout(() => reject(new Error("upstream down")), 20)),
    });
    const results = await Promise.allSettled([
      failing.complete(request("x")),
      failing.complete(request("x")),
    ]);
    expect(results.map((result) => result.status)).toEqual(["rejected", "rejected"]);
  });
});
