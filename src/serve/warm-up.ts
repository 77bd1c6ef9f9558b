import type { Adapter } from "../spec/adapter.js";
import { silentLogger } from "../spec/logger.js";
import { disabledDecisionLog } from "./decision-log.js";
import { createServeApp, type ServeAppDependencies } from "./serve-app.js";
import { createServeMetrics } from "./serve-metrics.js";
import { namedAdapters } from "./served-adapters.js";

/** Rounds of dummy requests the warm-up sends (each: a chat completion, plain or streamed, and a batch). */
export const warmUpRounds = 40;

/**
 * The warm-up's time budget: past it, its requests are aborted and it ends (an adapter with a
 * sentence encoder spends milliseconds per text; the server must not wait long to open its port).
 */
export const warmUpBudgetMs = 2_000;

/**
 * Warms the request path before the server accepts connections, so that its first requests are
 * not slow: sends dummy chat completions and batches, in memory, to every served model in turn,
 * through a copy of the app whose adapters decide with the real router and SSM but never call the
 * LM, with metrics and a
 * decision log of its own (the real ones stay untouched), within `warmUpBudgetMs`. Resolves with
 * the milliseconds it took.
 */
export async function warmUp(dependencies: ServeAppDependencies): Promise<number> {
  const startedAt = performance.now();
  const served = namedAdapters(dependencies).map(({ name, adapter }) => ({
    name,
    adapter: localOnly(adapter),
  }));
  const app = createServeApp({
    ...dependencies,
    adapter: undefined,
    adapters: served,
    decisionLog: disabledDecisionLog,
    metrics: createServeMetrics(),
    apiKey: undefined,
    circuitBreaker: undefined,
    // The warm-up's inputs are not the fleet's: they must not spend its shared budget.
    redis: undefined,
    // Nor audited or learnt from.
    online: undefined,
    logger: silentLogger,
  });
  const budget = AbortSignal.timeout(warmUpBudgetMs);
  const post = (path: string, body: unknown) =>
    app.request(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: budget,
    });
  for (let round = 0; round < warmUpRounds && !budget.aborted; round += 1) {
    const { name: model, adapter } = served[round % served.length]!;
    const texts = warmUpTexts(adapter);
    const text = texts[round % texts.length]!;
    const chat = { model, messages: [{ role: "user", content: text }], stream: round % 2 === 1 };
    await (await post("/v1/chat/completions", chat)).text();
    if (budget.aborted) break;
    await (await post("/v1/classify", { model, inputs: texts })).text();
  }
  await (await app.request("/healthz")).text();
  return performance.now() - startedAt;
}

/** Texts to warm up on: the task's labels and a sentence naming each. */
function warmUpTexts(adapter: Adapter): string[] {
  const labels = adapter.task.labels.slice(0, 8);
  return [...labels, ...labels.map((label) => `a short warm-up message about ${label}, not a real request`)];
}

/** The adapter with its router's LM route switched off: the SSM answers everything, no LM call. */
function localOnly(adapter: Adapter): Adapter {
  const refuse = () => Promise.reject(new Error("the warm-up never calls the LM"));
  return {
    task: adapter.task,
    lmId: adapter.lmId,
    maxLmShare: undefined,
    ...(adapter.prepare === undefined ? {} : { prepare: adapter.prepare.bind(adapter) }),
    decide: (text) => ({ ...adapter.decide(text), useLm: false }),
    predict: refuse,
    predictBatch: refuse,
  };
}
