import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadRecordedAnswers } from "../data/recorded-answers.js";
import { type AnswerCache, createAnswerCache } from "../large-models/answer-cache.js";
import { createCachedModel } from "../large-models/cached-model.js";
import { createConcurrencyLimitedModel } from "../large-models/concurrency-limited-model.js";
import { createDeduplicatingModel } from "../large-models/deduplicating-model.js";
import { createOpenAICompatibleModel } from "../large-models/openai-compatible-model.js";
import { createRetryingModel } from "../large-models/retrying-model.js";
import { type ReplayServer, type ReplayServerOptions, startReplayServer } from "../replay/replay-server.js";
import { createEncoderByKind, type EncoderKind } from "../small-models/encoder-choice.js";
import type { LargeModel } from "../spec/large-model.js";
import { withEmbeddingCache } from "../text-encoders/cached-encoder.js";
import { type EmbeddingCache, openEmbeddingCache } from "../text-encoders/embedding-cache.js";
import type { SentenceEncoder } from "../text-encoders/sentence-encoder.js";
import { nodeErrorCode } from "../util/node-error-code.js";
import type { BenchDataset } from "./bench-dataset.js";

/** The sentence encoder a bench run blends in: the training rows' vectors may come from a cache file. */
export interface BenchEncoders {
  training: SentenceEncoder;
  prediction: SentenceEncoder;
}

/** The encoders and what closes them: the one encoder once, then the embedding cache file if one was opened. */
interface OpenedEncoders {
  encoders: BenchEncoders;
  close(): Promise<void>;
}

/** What a bench run stands on, up until `close()`: the replay server, the LM chain, the encoders. */
export interface BenchSetup {
  /** The replay server's base URL (recorded in the adapter). */
  baseUrl: string;
  /** The LM as the pipeline reaches it: connector → retries → concurrency limit → a fresh cache → in-flight de-duplication. */
  model: LargeModel;
  encoders: BenchEncoders | undefined;
  /** Closes the cache, the encoders and the replay server, and removes the cache's folder. */
  close(): Promise<void>;
}

/** The bench options that shape the setup. */
export interface BenchSetupOptions {
  llmColumn: string;
  lmLatencyMs?: number;
  encoder?: EncoderKind;
  embeddingCacheFile?: string;
  encoderWorkers?: number;
  /** Creates the encoder of `encoder` (default `createEncoderByKind`; tests pass their own). */
  createEncoder?: (kind: EncoderKind, options: { workers?: number }) => Promise<SentenceEncoder>;
  /** The replay server's port when it is free, else any free one (default: any free one). */
  replayPort?: number;
}

/**
 * Starts a replay server on loopback answering from the recorded LLM column (dev and test, and
 * train when it has the column), the sentence encoders when asked for, and the same LM chain a
 * user's LM goes through, over HTTP, with a fresh SQLite answer cache in a temporary folder.
 */
export async function openBenchSetup(dataset: BenchDataset, options: BenchSetupOptions): Promise<BenchSetup> {
  const { files } = dataset;
  const answerFiles = dataset.trainHasColumn ? [files.train, files.dev, files.test] : [files.dev, files.test];
  const answers = await loadRecordedAnswers(answerFiles, options.llmColumn);
  const server = await startReplayServerPreferring(options.replayPort, {
    answers,
    latencyMs: options.lmLatencyMs ?? 0,
    model: options.llmColumn,
  });
  // From here on, a failure closes what was opened: a replay server left listening keeps the process alive.
  let encoders: OpenedEncoders | undefined;
  let cacheDir: string | undefined;
  let cache: AnswerCache | undefined;
  const close = async () => {
    cache?.close();
    await encoders?.close();
    await server.close();
    if (cacheDir !== undefined) await rm(cacheDir, { recursive: true, force: true });
  };
  try {
    encoders = await openBenchEncoders(options);
    cacheDir = await mkdtemp(join(tmpdir(), "easy-adapt-bench-"));
    cache = createAnswerCache(join(cacheDir, "cache.sqlite"));
    return {
      baseUrl: server.url,
      model: createBenchModel(server.url, options.llmColumn, cache),
      encoders: encoders?.encoders,
      close,
    };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

/** A replay server on `port` when given and free, else on any free port. */
async function startReplayServerPreferring(
  port: number | undefined,
  options: Omit<ReplayServerOptions, "port">,
): Promise<ReplayServer> {
  if (port === undefined) return startReplayServer(options);
  try {
    return await startReplayServer({ ...options, port });
  } catch (error) {
    if (nodeErrorCode(error) !== "EADDRINUSE") throw error;
    return startReplayServer(options);
  }
}

/**
 * The encoder of `options.encoder` (none without it), its training side behind the embedding cache
 * file when given. Both sides share one encoder, so it is closed once (`withEmbeddingCache`'s close
 * closes the encoder it wraps, not the cache file: that is closed here too).
 */
async function openBenchEncoders(options: BenchSetupOptions): Promise<OpenedEncoders | undefined> {
  if (options.encoder === undefined) return undefined;
  const create = options.createEncoder ?? createEncoderByKind;
  const prediction = await create(
    options.encoder,
    options.encoderWorkers === undefined ? {} : { workers: options.encoderWorkers },
  );
  const cacheFile = options.embeddingCacheFile;
  let embeddingCache: EmbeddingCache | undefined;
  try {
    if (cacheFile !== undefined) embeddingCache = openEmbeddingCache(cacheFile);
  } catch (error) {
    await prediction.close();
    throw error;
  }
  return {
    encoders: {
      prediction,
      training: embeddingCache === undefined ? prediction : withEmbeddingCache(prediction, embeddingCache),
    },
    async close() {
      await prediction.close();
      embeddingCache?.close();
    },
  };
}

/** The same chain a user's LM goes through: connector → retries → concurrency limit → cache → de-duplication. */
function createBenchModel(baseUrl: string, llmColumn: string, cache: AnswerCache): LargeModel {
  const connector = createOpenAICompatibleModel({
    baseUrl,
    model: llmColumn,
    timeoutMs: 60_000,
  });
  return createDeduplicatingModel(
    createCachedModel(
      createConcurrencyLimitedModel(createRetryingModel(connector, { maxRetries: 3, baseDelayMs: 200 }), 16),
      cache,
    ),
  );
}
