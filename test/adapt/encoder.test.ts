import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AdaptResult, adapt } from "../../src/adapt/adapt.js";
import { createAdapterRuntime } from "../../src/adapter/adapter-runtime.js";
import { loadAdapter } from "../../src/adapter/load-adapter.js";
import { type LargeModelSetup, largeModelFromOptions } from "../../src/cli/lm-options.js";
import { evaluateAdapter } from "../../src/evaluate/evaluate-adapter.js";
import type { ReplayServer } from "../../src/replay/replay-server.js";
import { startServe } from "../../src/serve/start-serve.js";
import { NgramEmbeddingBlend } from "../../src/small-models/ngram-embedding-blend.js";
import { ArtifactError } from "../../src/spec/errors/artifact-error.js";
import { withEmbeddingCache } from "../../src/text-encoders/cached-encoder.js";
import { openEmbeddingCache } from "../../src/text-encoders/embedding-cache.js";
import type { SentenceEncoder } from "../../src/text-encoders/sentence-encoder.js";
import { createTextEmbeddings } from "../../src/text-encoders/text-embeddings.js";
import { createUseLiteEncoder } from "../../src/text-encoders/use-lite-encoder.js";
import { loadTopics, startTopicsReplayServer } from "../fixtures/adapt/load-fixture.js";

/** The real encoder, counting the texts it is asked to encode. */
function countingEncoder(inner: SentenceEncoder): SentenceEncoder & { encoded: number } {
  const counting = {
    id: inner.id,
    dimensions: inner.dimensions,
    encoded: 0,
    async encode(texts: readonly string[], options?: Parameters<SentenceEncoder["encode"]>[1]) {
      counting.encoded += texts.length;
      return inner.encode(texts, options);
    },
    close: () => inner.close(),
  };
  return counting;
}

let directory: string;
let server: ReplayServer;
let setup: LargeModelSetup;
let encoder: SentenceEncoder & { encoded: number };
let result: AdaptResult;
let topics: Awaited<ReturnType<typeof loadTopics>>;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "easy-adapt-encoder-"));
  topics = await loadTopics();
  server = await startTopicsReplayServer();
  setup = largeModelFromOptions(
    { lmBaseUrl: server.url, lmModel: "llm", cache: join(directory, "cache.sqlite"), retryBaseDelayMs: "1" },
    {},
  );
  encoder = countingEncoder(await createUseLiteEncoder({ workers: 1 }));
  result = await adapt({
    task: topics.task,
    trainRows: topics.train,
    calibRows: topics.dev,
    largeModel: setup.model,
    probeTrain: true,
    encoder: withEmbeddingCache(encoder, openEmbeddingCache(join(directory, "embeddings.sqlite"))),
    predictionEncoder: encoder,
  });
}, 120_000);

afterAll(async () => {
  setup?.close();
  await encoder?.close();
  await server?.close();
  await rm(directory, { recursive: true, force: true });
});

describe("adapt with a sentence encoder", () => {
  it("encodes every distinct row once and trains the blended small model", () => {
    const distinct = new Set([...topics.train, ...topics.dev].map((row) => row.text)).size;
    expect(encoder.encoded).toBe(distinct);
    expect(result.description.ssmKind).toBe("ngram-embedding-blend");
    expect(result.fitted.ssms.every((ssm) => ssm instanceof NgramEmbeddingBlend)).toBe(true);
    expect(result.timings.encodeSeconds).toBeGreaterThan(0);
  });

  it("decides only prepared texts, and predict prepares its text itself", async () => {
    const text = "an input nobody prepared: where is my parcel?";
    expect(() => result.adapter.decide(text)).toThrow(/not prepared|prepare/i);
    const prediction = await result.adapter.predict(text);
    expect(topics.task.labels).toContain(prediction.label);
    expect(() => result.adapter.decide(text)).not.toThrow();
  });

  it("a second adapt over the same rows encodes nothing: the vectors come from the SQLite cache", async () => {
    const before = encoder.encoded;
    const again = await adapt({
      task: topics.task,
      trainRows: topics.train,
      calibRows: topics.dev,
      largeModel: setup.model,
      probeTrain: true,
      encoder: withEmbeddingCache(encoder, openEmbeddingCache(join(directory, "embeddings.sqlite"))),
      predictionEncoder: encoder,
    });
    expect(encoder.encoded).toBe(before);
    expect(again.fitted.estimates.ssmAlone).toBeCloseTo(result.fitted.estimates.ssmAlone, 10);
  }, 60_000);

  it("saves and loads: the loaded adapter (with its own encoder) answers like the one in memory", async () => {
    const adapterDir = join(directory, "adapter");
    await result.save(adapterDir);
    const description = JSON.parse(await readFile(join(adapterDir, "adapter.json"), "utf8"));
    expect(description.ssmKind).toBe("ngram-embedding-blend");
    const loaded = await loadAdapter(adapterDir);
    try {
      expect(loaded.prepare).toBeDefined();
      const texts = topics.test.slice(0, 20).map((row) => row.text);
      await loaded.prepare?.(texts);
      await result.adapter.prepare?.(texts);
      for (const text of texts) {
        const before = result.adapter.decide(text);
        const after = loaded.decide(text);
        expect(after.ssmLabel).toBe(before.ssmLabel);
        expect(after.useLm).toBe(before.useLm);
        expect(after.ssmConfidence).toBeCloseTo(before.ssmConfidence, 4);
      }
    } finally {
      await loaded.close();
    }
  }, 60_000);

  it("refuses to run with another encoder than the one it was trained with, or with none", () => {
    const other: SentenceEncoder = { ...encoder, id: "use-lite-9.9.9/windows-80" };
    expect(() =>
      createAdapterRuntime({
        description: result.description,
        ssms: result.fitted.ssms,
        embeddings: createTextEmbeddings(other),
      }),
    ).toThrow(ArtifactError);
    expect(() => createAdapterRuntime({ description: result.description, ssms: result.fitted.ssms })).toThrow(
      /needs its sentence encoder/,
    );
  });

  it("is served over real HTTP: serve encodes each request's texts before routing them", async () => {
    const serve = await startServe({ adapter: result.adapter, maxConcurrentLmCalls: 4 });
    try {
      const inputs = topics.test.slice(20, 30).map((row) => row.text);
      const classified = await fetch(`${serve.url}/v1/classify`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ inputs }),
      });
      expect(classified.status).toBe(200);
      const body = (await classified.json()) as { results: { label: string; route: string }[] };
      expect(body.results).toHaveLength(inputs.length);
      for (const entry of body.results) expect(topics.task.labels).toContain(entry.label);
      const chat = await fetch(`${serve.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          model: topics.task.name,
          messages: [{ role: "user", content: "the striker scored twice in the final minutes" }],
        }),
      });
      expect(chat.status).toBe(200);
      const completion = (await chat.json()) as { choices: { message: { content: string } }[] };
      expect(topics.task.labels).toContain(completion.choices[0]?.message.content);
      expect(["ssm", "lm", "fallback"]).toContain(chat.headers.get("x-easy-adapt-route"));
    } finally {
      await serve.close();
    }
  }, 60_000);

  it("evaluates: every row is encoded before it is inspected, and its time includes encoding", async () => {
    const rows = topics.test.map((row) => ({ text: row.text, label: row.label ?? "" }));
    const evaluation = await evaluateAdapter(result.adapter, rows, setup.model);
    expect(evaluation.ssmLabels).toHaveLength(rows.length);
    for (const milliseconds of evaluation.ssmMs) expect(milliseconds).toBeGreaterThan(0.5);
    const right = evaluation.ssmLabels.filter((label, row) => label === rows[row]?.label).length;
    expect(right / rows.length).toBeGreaterThan(0.6);
  }, 60_000);
});
