import type { IncomingMessage } from "node:http";
import { Hono } from "hono";
import type { RecordedAnswer } from "../data/recorded-answers.js";
import { createSeededRandom } from "../util/seeded-random.js";
import { anthropicBatchRoutes } from "./batch/anthropic-batch-routes.js";
import { openAIBatchRoutes } from "./batch/openai-batch-routes.js";
import { createReplayBatches, type ReplayBatchOptions } from "./batch/replay-batches.js";
import { createRecordedAnswerIndex } from "./recorded-answer-index.js";
import { replayErrorHandler, replayNotFound } from "./replay-errors.js";
import type { ReplayEnv } from "./replay-request.js";
import { chatCompletionsRoute, type ReplaySettings } from "./routes/chat-completions.js";
import { modelsRoute } from "./routes/models.js";

/** The recordings the replay answers from, and how it behaves (delay, injected faults, names). */
export interface ReplayAppOptions extends ReplayBatchOptions {
  answers: readonly RecordedAnswer[];
  /** Delay before every response (default 0). */
  latencyMs?: number;
  /** Share of chat requests answered with an injected 429 or 500 (default 0). */
  errorRate?: number;
  /** Seed of the fault injection's PRNG (default 1). */
  seed?: number;
  /** The model id listed by GET /v1/models (default "replay"). */
  model?: string;
  /** What the model says where the recorded answer is empty (off the label set). */
  offLabelAnswer?: string;
  /** The `retry-after-ms` sent with injected 429s (default 20). */
  retryAfterMs?: number;
}

/** What the replayed model says where the recorded answer is empty. */
export const defaultOffLabelAnswer = "I'm not sure which category this belongs to.";

/**
 * An OpenAI-compatible app (`POST /v1/chat/completions`, `GET /v1/models`) that answers each prompt
 * with the recorded answer for the text in its last user message, a stand-in for the recorded LLM;
 * with the OpenAI Batch API and Anthropic's Message Batches over the same answers (see
 * ReplayBatchOptions for their delay and injected failures).
 */
export function createReplayApp(
  options: ReplayAppOptions,
): Hono<{ Bindings: { incoming?: IncomingMessage } }> {
  const settings = replaySettings(options);
  const app = new Hono<ReplayEnv>();
  app.route("/", modelsRoute(settings.model));
  app.route("/", chatCompletionsRoute(settings));
  app.route("/", openAIBatchRoutes(createReplayBatches(settings, options)));
  app.route("/", anthropicBatchRoutes(createReplayBatches(settings, options)));
  app.notFound(replayNotFound);
  app.onError(replayErrorHandler);
  return app;
}

/** The options with their defaults, the recordings indexed and the fault injection's PRNG seeded. */
function replaySettings(options: ReplayAppOptions): ReplaySettings {
  return {
    index: createRecordedAnswerIndex(options.answers),
    latencyMs: options.latencyMs ?? 0,
    errorRate: options.errorRate ?? 0,
    random: createSeededRandom(options.seed ?? 1),
    model: options.model ?? "replay",
    offLabelAnswer: options.offLabelAnswer ?? defaultOffLabelAnswer,
    retryAfterMs: options.retryAfterMs ?? 20,
  };
}
