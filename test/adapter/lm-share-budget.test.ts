import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadAdapterArtifact } from "../../src/adapter/adapter-artifact.js";
import { createRunningShareBudget, routeWithinShare } from "../../src/adapter/lm-share-budget.js";
import { adapterFromArtifact, type ClosableAdapter } from "../../src/adapter/load-adapter.js";
import { shareCapNote } from "../../src/evaluate/adapter-report.js";
import { evaluateAdapter } from "../../src/evaluate/evaluate-adapter.js";
import { createOpenAICompatibleModel } from "../../src/large-models/openai-compatible-model.js";
import { type ReplayServer, startReplayServer } from "../../src/replay/replay-server.js";
import { createServeApp } from "../../src/serve/serve-app.js";
import { systemClock } from "../../src/serve/serve-clock.js";
import { createServeMetrics } from "../../src/serve/serve-metrics.js";
import { readTicketRows, ticketsAdapterFolder } from "../fixtures/serve/tickets-adapter.js";

describe("routeWithinShare (a batch's LM-share cap)", () => {
  const scores = Float64Array.from([0.9, 0.1, 0.5, 0.7, 0.5, 0.3, 0.8, 0.6, 0.2, 0.4]);

  it("routes every input that reaches the threshold when there is no cap, or the cap does not bind", () => {
    expect([...routeWithinShare(scores, 0.5, undefined)]).toEqual([1, 0, 1, 1, 1, 0, 1, 1, 0, 0]);
    expect([...routeWithinShare(scores, 0.75, 0.2)]).toEqual([1, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
  });

  it("sends at most ⌊cap × n⌋ inputs, those with the highest scores, equal scores in input order", () => {
    // 6 reach 0.5; a cap of 0.35 allows 3: 0.9, 0.8, 0.7.
    expect([...routeWithinShare(scores, 0.5, 0.35)]).toEqual([1, 0, 0, 1, 0, 0, 1, 0, 0, 0]);
    // A cap of 0.5 allows 5: the two scores of 0.5 tie for the fifth place; the first one wins.
    expect([...routeWithinShare(scores, 0.5, 0.5)]).toEqual([1, 0, 1, 1, 0, 0, 1, 1, 0, 0]);
    // A cap of 0.6 × 10 = 6 (however 0.6 × 10 rounds in binary) allows all six.
    expect([...routeWithinShare(scores, 0.5, 0.6)].reduce((sum, value) => sum + value, 0)).toBe(6);
    expect([...routeWithinShare(scores, Number.NEGATIVE_INFINITY, 0)]).toEqual(new Array(10).fill(0));
  });
});

describe("createRunningShareBudget (a stream's LM-share cap)", () => {
  it("never lets the LM calls exceed ⌈cap × inputs so far⌉, and counts inputs the router keeps local", () => {
    const budget = createRunningShareBudget(0.25);
    const admitted = Array.from({ length: 8 }, () => budget.admit(true));
    // ⌈0.25 × n⌉ for n = 1..8: 1 1 1 1 2 2 2 2.
    expect(admitted).toEqual([true, false, false, false, true, false, false, false]);
    expect(budget.admit(false)).toBe(false);
    expect(budget.inputs).toBe(9);
    expect(budget.lmCalls).toBe(2);
    // Inputs kept local make room: 3 calls are allowed once 12 inputs were seen.
    budget.admit(false);
    budget.admit(false);
    expect(budget.admit(true)).toBe(true);
    expect(budget.lmCalls).toBe(3);
  });

  it("keeps unused share for at most 100 inputs' worth: a quiet stretch buys no long burst", () => {
    const budget = createRunningShareBudget(0.1);
    for (let input = 0; input < 1000; input += 1) budget.admit(false);
    const burst = Array.from({ length: 200 }, () => budget.admit(true));
    // 10 saved calls (0.1 × 100), then one in ten of the inputs after them: the 11th, 21st, … 191st.
    // (Counted over all 1,200 inputs, as before the limit, 120 calls in a row would have been allowed.)
    expect(burst.slice(0, 10).every(Boolean)).toBe(true);
    expect(burst.filter(Boolean).length).toBe(10 + 19);
    expect(burst.slice(10, 20).filter(Boolean).length).toBe(1);
  });

  it("admits whatever the router sends when there is no cap", () => {
    const budget = createRunningShareBudget(undefined);
    expect(Array.from({ length: 5 }, () => budget.admit(true))).toEqual([true, true, true, true, true]);
    expect(budget.admit(false)).toBe(false);
  });
});

describe("an adapter adapted with --max-lm-share holds its cap on new inputs", () => {
  const rows = readTicketRows("test.csv");
  const cap = 0.1;
  let replay: ReplayServer;
  let adapter: ClosableAdapter;
  let uncapped: ClosableAdapter;

  beforeAll(async () => {
    const answers = ["train.csv", "dev.csv", "test.csv"].flatMap((file) =>
      readTicketRows(file as "train.csv").map((row) => ({ text: row.text, answer: row.llm })),
    );
    replay = await startReplayServer({ answers });
    const largeModel = createOpenAICompatibleModel({ baseUrl: replay.url, model: "replay", timeoutMs: 5000 });
    const artifact = await loadAdapterArtifact(await ticketsAdapterFolder());
    const description = {
      ...artifact.description,
      operatingPoint: {
        ...artifact.description.operatingPoint,
        criterion: { kind: "max-lm-share" as const, maxLmShare: cap },
      },
    };
    adapter = await adapterFromArtifact({ ...artifact, description }, { largeModel });
    uncapped = await adapterFromArtifact(artifact, { largeModel });
  });
  afterAll(async () => {
    await adapter.close();
    await uncapped.close();
    await replay.close();
  });

  it("needs a fixture whose threshold alone would exceed the cap", () => {
    const wanted = rows.filter((row) => adapter.decide(row.text).useLm).length;
    expect(adapter.maxLmShare).toBe(cap);
    expect(uncapped.maxLmShare).toBeUndefined();
    expect(wanted / rows.length).toBeGreaterThan(cap * 2);
  });

  it("predictBatch calls the LM for at most ⌊cap × n⌋ texts, those the router wants there most", async () => {
    const texts = rows.map((row) => row.text);
    const predictions = await adapter.predictBatch(texts, { concurrency: 4 });
    const allowed = Math.floor(cap * texts.length);
    const called = predictions.flatMap((prediction, index) =>
      prediction.lmRaw === undefined ? [] : [index],
    );
    expect(called.length).toBe(allowed);
    const scores = texts.map((text) => adapter.internals.inspect(text).score);
    const highest = [...scores.keys()].sort((left, right) => (scores[right] ?? 0) - (scores[left] ?? 0));
    expect(called.sort()).toEqual(highest.slice(0, allowed).sort());
    for (const [index, prediction] of predictions.entries()) {
      const text = texts[index] ?? "";
      // The texts it called the LM for are answered as predict() answers them; the rest by the SSM.
      if (called.includes(index)) expect(prediction).toEqual(await adapter.predict(text));
      else expect(prediction).toMatchObject({ route: "ssm", label: adapter.decide(text).ssmLabel });
    }
    // One text is a batch of one: under a cap below 1 it never reaches the LM; predict() applies the
    // threshold alone (the CLI's `predict` with one text uses it).
    const wanted = texts.find((text) => adapter.decide(text).useLm) ?? "";
    expect((await adapter.predictBatch([wanted]))[0]?.lmRaw).toBeUndefined();
    expect((await adapter.predict(wanted)).lmRaw).toBeDefined();
    // Without a cap, the same batch goes to the LM wherever the threshold sends it.
    const free = await uncapped.predictBatch(texts);
    expect(free.filter((prediction) => prediction.lmRaw !== undefined).length).toBe(
      texts.filter((text) => uncapped.decide(text).useLm).length,
    );
  });

  it("eval's adapted system holds the cap over the evaluated rows", async () => {
    const largeModel = createOpenAICompatibleModel({ baseUrl: replay.url, model: "replay", timeoutMs: 5000 });
    const evaluation = await evaluateAdapter(adapter, rows, largeModel, { concurrency: 4 });
    const calls = evaluation.lmCalled.reduce((sum, value) => sum + value, 0);
    expect(calls).toBe(Math.floor(cap * rows.length));
    const wanted = rows.filter((row) => adapter.decide(row.text).useLm).length;
    expect(evaluation.heldBackByCap).toBe(wanted - calls);
    expect(shareCapNote(adapter.internals.description, evaluation)).toContain(
      `held ${wanted - calls} rows back from the LM`,
    );
    const free = await evaluateAdapter(uncapped, rows, largeModel, { concurrency: 4 });
    expect(free.lmCalled.reduce((sum, value) => sum + value, 0)).toBeGreaterThan(calls);
  });

  it("serve keeps a running count: once the cap is spent the SSM answers, and says so", async () => {
    const metrics = createServeMetrics();
    const app = createServeApp({
      adapter,
      decisionLog: { append() {}, flush: async () => {}, reopen: async () => {}, close: async () => {} },
      metrics,
      maxConcurrentLmCalls: 2,
      clock: systemClock,
    });
    const lmText = rows.find((row) => adapter.decide(row.text).useLm)?.text ?? "";
    const response = await app.request("/v1/classify", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ inputs: Array.from({ length: 20 }, () => lmText) }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { results: { route: string }[] };
    expect(body.results).toHaveLength(20);
    // ⌈0.1 × n⌉ over n = 1..20 allows 2 calls (the 1st and the 11th input).
    const text = metrics.render();
    expect(text).toMatch(/^easy_adapt_lm_calls_total 2$/m);
    expect(text).toMatch(/^easy_adapt_lm_share_cap_declines_total 18$/m);
  });
});
