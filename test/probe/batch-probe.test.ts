import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadRecordedAnswers, type RecordedAnswer } from "../../src/data/recorded-answers.js";
import { loadTask } from "../../src/data/task-file.js";
import { type AnswerCache, createAnswerCache } from "../../src/large-models/answer-cache.js";
import { createAnthropicBatchClient } from "../../src/large-models/batch/anthropic-batch-client.js";
import type { BatchClient } from "../../src/large-models/batch/batch-client.js";
import { openBatchJobStore } from "../../src/large-models/batch/batch-job-store.js";
import { createOpenAIBatchClient } from "../../src/large-models/batch/openai-batch-client.js";
import { createBudget } from "../../src/large-models/budget.js";
import { createCachedModel } from "../../src/large-models/cached-model.js";
import { createClassificationPrompter } from "../../src/large-models/classification-prompt.js";
import { createOpenAICompatibleModel } from "../../src/large-models/openai-compatible-model.js";
import { requestKey } from "../../src/large-models/request-key.js";
import { type BatchProbeOptions, probeByBatch } from "../../src/probe/batch/batch-probe.js";
import { probe } from "../../src/probe/probe.js";
import {
  type ReplayServer,
  type ReplayServerOptions,
  startReplayServer,
} from "../../src/replay/replay-server.js";
import type { Task } from "../../src/spec/task.js";

const fixtures = fileURLToPath(new URL("../fixtures/lm", import.meta.url));
const modelId = "openai-compatible:model_a";

let folder: string;
let recorded: RecordedAnswer[];
let task: Task;
const servers: ReplayServer[] = [];
const caches: AnswerCache[] = [];

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), "batch-probe-"));
  recorded = await loadRecordedAnswers([join(fixtures, "colours.csv")], "model_a");
  task = await loadTask(join(fixtures, "task.json"));
});
afterAll(async () => {
  for (const cache of caches) cache.close();
  await Promise.all(servers.map((server) => server.close()));
  rmSync(folder, { recursive: true, force: true });
});

async function replay(options: Partial<ReplayServerOptions> = {}): Promise<ReplayServer> {
  const server = await startReplayServer({ answers: recorded, model: "model_a", ...options });
  servers.push(server);
  return server;
}

function freshCache(name: string): AnswerCache {
  const cache = createAnswerCache(join(folder, `${name}.sqlite`));
  caches.push(cache);
  return cache;
}

const texts = () => recorded.map((row) => row.text);
const requests = () => texts().map(createClassificationPrompter(task));

/** Runs the batch probe, then the synchronous probe over the cache: the answers, and the HTTP calls it made. */
async function batchThenProbe(
  client: BatchClient,
  cache: AnswerCache,
  baseUrl: string,
  extra: Partial<BatchProbeOptions> = {},
) {
  const jobs = openBatchJobStore(cache.path);
  try {
    const summary = await probeByBatch(requests(), {
      client,
      cache,
      jobs,
      modelId,
      pollIntervalMs: 20,
      ...extra,
    });
    let httpCalls = 0;
    const connector = createOpenAICompatibleModel({
      baseUrl,
      model: "model_a",
      onHttpRequest: () => {
        httpCalls++;
      },
    });
    const result = await probe(texts(), task, createCachedModel(connector, cache), { concurrency: 4 });
    return { summary, rows: result.rows, httpCalls };
  } finally {
    jobs.close();
  }
}

/** Each batch the replay server was sent (its list endpoint). */
async function submissions(url: string): Promise<number> {
  const response = await fetch(url);
  return ((await response.json()) as { data: unknown[] }).data.length;
}

describe("probeByBatch over the replay server's OpenAI Batch API", () => {
  it("answers every row through one batch, exactly as the synchronous probe does", async () => {
    const server = await replay({ batchDelayMs: 100 });
    const cache = freshCache("plain");
    const client = createOpenAIBatchClient({ baseUrl: server.url, model: "model_a" });
    const { summary, rows, httpCalls } = await batchThenProbe(client, cache, server.url);
    expect(summary).toMatchObject({
      requests: 40,
      submitted: 40,
      batchesSubmitted: 1,
      answered: 40,
      failed: 0,
    });
    expect(httpCalls).toBe(0);
    expect(rows.map((row) => row.raw)).toEqual(recorded.map((row) => row.answer || expect.any(String)));
    const sync = await probe(
      texts(),
      task,
      createOpenAICompatibleModel({ baseUrl: server.url, model: "model_a" }),
    );
    expect(rows.map((row) => [row.label, row.raw])).toEqual(sync.rows.map((row) => [row.label, row.raw]));
    expect(await submissions(`${server.url}/batches`)).toBe(1);

    const again = await batchThenProbe(client, cache, server.url);
    expect(again.summary).toMatchObject({ cached: 40, submitted: 0, batchesSubmitted: 0 });
    expect(await submissions(`${server.url}/batches`)).toBe(1);
  });

  it("counts the failed and expired requests and leaves them to the synchronous probe", async () => {
    const server = await replay({ batchFailEvery: 7, batchExpireAfter: 30 });
    const cache = freshCache("faults");
    const client = createOpenAIBatchClient({ baseUrl: server.url, model: "model_a" });
    const { summary, rows, httpCalls } = await batchThenProbe(client, cache, server.url);
    // Positions 7, 14, 21, 28 fail; 31 to 40 expire with the batch.
    expect(summary).toMatchObject({ submitted: 40, answered: 26, failed: 4, expired: 10 });
    expect(httpCalls).toBe(14);
    expect(rows.every((row) => row.status !== "failed")).toBe(true);
    expect(rows.map((row) => row.label ?? "")).toEqual(recorded.map((row) => row.answer.trim()));
  });

  it("resumes the batch an interrupted run submitted instead of submitting it again", async () => {
    const server = await replay({ batchDelayMs: 400 });
    const cache = freshCache("resume");
    const client = createOpenAIBatchClient({ baseUrl: server.url, model: "model_a" });
    const controller = new AbortController();
    const jobs = openBatchJobStore(cache.path);
    const first = probeByBatch(requests(), {
      client,
      cache,
      jobs,
      modelId,
      pollIntervalMs: 50,
      signal: controller.signal,
      onBatch: () => setTimeout(() => controller.abort(), 10),
    });
    await expect(first).rejects.toBeDefined();
    jobs.close();
    expect(await submissions(`${server.url}/batches`)).toBe(1);
    const { summary, httpCalls } = await batchThenProbe(client, cache, server.url);
    expect(summary).toMatchObject({ resumed: 40, submitted: 0, batchesSubmitted: 0, answered: 40 });
    expect(httpCalls).toBe(0);
    expect(await submissions(`${server.url}/batches`)).toBe(1);
  });

  it("submits again the requests of a stored batch the provider no longer knows (404)", async () => {
    const server = await replay();
    const cache = freshCache("lost");
    const client = createOpenAIBatchClient({ baseUrl: server.url, model: "model_a" });
    const jobs = openBatchJobStore(cache.path);
    jobs.record(client.endpoint, modelId, "batch_gone", requests().map(requestKey));
    const events: string[] = [];
    const summary = await probeByBatch(requests(), {
      client,
      cache,
      jobs,
      modelId,
      onBatch: (event) => events.push(`${event.kind} ${event.batchId}`),
    });
    expect(events).toEqual(["lost batch_gone", "submitted batch_replay_1"]);
    expect(summary).toMatchObject({ resumed: 0, submitted: 40, answered: 40 });
    expect(jobs.unfinished(client.endpoint, modelId)).toEqual([]);
    jobs.close();
  });

  it("reserves the budget at the batch price: a cap that fits half the rows at list price fits all at half price", async () => {
    const server = await replay();
    const cache = freshCache("budget");
    const client = createOpenAIBatchClient({ baseUrl: server.url, model: "model_a" });
    const prices = { inputPerMillion: 1_000, outputPerMillion: 1_000 };
    const listWorstCase = requests().reduce(
      (sum, request) => sum + (JSON.stringify(request.messages).length / 4 + request.maxTokens) * 1e-3,
      0,
    );
    const budget = createBudget({ maxDollars: listWorstCase * 0.6, prices });
    const jobs = openBatchJobStore(cache.path);
    const summary = await probeByBatch(requests(), {
      client,
      cache,
      jobs,
      modelId,
      budget,
      priceFactor: 0.5,
    });
    jobs.close();
    expect(summary).toMatchObject({ submitted: 40, overBudget: 0, answered: 40 });
    expect(budget.spent().calls).toBe(40);

    const tight = createBudget({ maxDollars: listWorstCase * 0.25, prices });
    const other = freshCache("budget-tight");
    const otherJobs = openBatchJobStore(other.path);
    const capped = await probeByBatch(requests(), {
      client,
      cache: other,
      jobs: otherJobs,
      modelId,
      budget: tight,
    });
    otherJobs.close();
    expect(capped.submitted).toBeGreaterThan(0);
    expect(capped.submitted + capped.overBudget).toBe(40);
    expect(capped.overBudget).toBeGreaterThan(0);
    expect(tight.spent().dollars).toBeLessThanOrEqual(listWorstCase * 0.25);
  });
});

describe("probeByBatch over the replay server's Anthropic Message Batches", () => {
  it("answers every row from the results_url JSONL, as the recorded model does", async () => {
    const server = await replay({ batchDelayMs: 100, batchFailEvery: 0 });
    const root = server.url.replace(/\/v1$/, "");
    const cache = freshCache("anthropic");
    const client = createAnthropicBatchClient({ baseUrl: root, model: "model_a", apiKey: "test-key" });
    const { summary, rows, httpCalls } = await batchThenProbe(client, cache, server.url, {
      modelId,
    });
    expect(summary).toMatchObject({ requests: 40, submitted: 40, answered: 40, failed: 0, expired: 0 });
    expect(httpCalls).toBe(0);
    expect(rows.map((row) => row.label ?? "")).toEqual(recorded.map((row) => row.answer.trim()));
    expect(await submissions(`${root}/v1/messages/batches`)).toBe(1);
  });

  it("reads errored and expired results as failed and expired", async () => {
    const server = await replay({ batchFailEvery: 10, batchExpireAfter: 35 });
    const root = server.url.replace(/\/v1$/, "");
    const cache = freshCache("anthropic-faults");
    const client = createAnthropicBatchClient({ baseUrl: root, model: "model_a" });
    const jobs = openBatchJobStore(cache.path);
    const summary = await probeByBatch(requests(), { client, cache, jobs, modelId, pollIntervalMs: 20 });
    jobs.close();
    expect(summary).toMatchObject({ answered: 32, failed: 3, expired: 5 });
  });
});
