import type { IncomingMessage } from "node:http";
import type { Context } from "hono";
import { Hono } from "hono";
import { z } from "zod";
import type { RecordedAnswer } from "../data/recorded-answers.js";
import { estimateTokens } from "../large-models/token-estimate.js";
import { createSeededRandom } from "../util/seeded-random.js";
import { createRecordedAnswerIndex } from "./recorded-answer-index.js";

/** The recorded answers a replay app answers with, and the latency and faults it adds. */
export interface ReplayAppOptions {
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

export const defaultOffLabelAnswer = "I'm not sure which category this belongs to.";

const contentSchema = z.union([
  z.string(),
  z.array(z.object({ type: z.string(), text: z.string().optional() })),
]);
const chatRequestSchema = z.object({
  model: z.string().optional(),
  messages: z.array(z.object({ role: z.string(), content: contentSchema.nullish() })).min(1),
});

type ErrorType = "invalid_request_error" | "rate_limit_error" | "server_error" | "not_found_error";

function errorBody(message: string, type: ErrorType, code: string) {
  return { error: { message, type, code } };
}

/**
 * The request body as JSON. Under @hono/node-server the body is read straight from the Node request
 * (much cheaper than building a web Request); in memory (`app.request`) through Hono.
 */
async function readJson(context: Context<{ Bindings: { incoming?: IncomingMessage } }>): Promise<unknown> {
  const incoming = context.env?.incoming;
  if (incoming === undefined || typeof incoming.on !== "function") return context.req.json();
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

function contentText(content: z.infer<typeof contentSchema> | null | undefined): string {
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  return content.map((part) => part.text ?? "").join("");
}

/**
 * An OpenAI-compatible app (`POST /v1/chat/completions`, `GET /v1/models`) that answers each prompt
 * with the recorded answer for the text in its last user message, a stand-in for the recorded LLM.
 */
export function createReplayApp(
  options: ReplayAppOptions,
): Hono<{ Bindings: { incoming?: IncomingMessage } }> {
  const index = createRecordedAnswerIndex(options.answers);
  const latencyMs = options.latencyMs ?? 0;
  const errorRate = options.errorRate ?? 0;
  const random = createSeededRandom(options.seed ?? 1);
  const model = options.model ?? "replay";
  const offLabelAnswer = options.offLabelAnswer ?? defaultOffLabelAnswer;
  const retryAfterMs = options.retryAfterMs ?? 20;
  const created = Math.floor(Date.now() / 1000);
  let completionCount = 0;

  const app = new Hono<{ Bindings: { incoming?: IncomingMessage } }>();

  app.get("/v1/models", (context) =>
    context.json({
      object: "list",
      data: [{ id: model, object: "model", created, owned_by: "easy-adapt-replay" }],
    }),
  );

  app.post("/v1/chat/completions", async (context) => {
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    if (errorRate > 0 && random() < errorRate) {
      if (random() < 0.5) {
        return context.json(
          errorBody("injected rate limit", "rate_limit_error", "rate_limit_exceeded"),
          429,
          {
            "retry-after-ms": String(retryAfterMs),
            "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
          },
        );
      }
      return context.json(errorBody("injected server error", "server_error", "internal_error"), 500);
    }
    let body: unknown;
    try {
      body = await readJson(context);
    } catch {
      return context.json(
        errorBody("the request body is not valid JSON", "invalid_request_error", "invalid_json"),
        400,
      );
    }
    const parsed = chatRequestSchema.safeParse(body);
    if (!parsed.success) {
      return context.json(
        errorBody(
          `invalid request: ${z.prettifyError(parsed.error)}`,
          "invalid_request_error",
          "invalid_request",
        ),
        400,
      );
    }
    const messages = parsed.data.messages;
    let lastUser: string | undefined;
    for (let position = messages.length - 1; position >= 0; position--) {
      const message = messages[position]!;
      if (message.role === "user") {
        lastUser = contentText(message.content);
        break;
      }
    }
    if (lastUser === undefined) {
      return context.json(
        errorBody("no user message in the request", "invalid_request_error", "no_user_message"),
        400,
      );
    }
    const recorded = index.find(lastUser);
    if (recorded === undefined) {
      return context.json(
        errorBody("no recorded answer for this text", "not_found_error", "unknown_text"),
        404,
      );
    }
    const answer = recorded.answer.trim() === "" ? offLabelAnswer : recorded.answer;
    let promptCharacters = 0;
    for (const message of messages) promptCharacters += contentText(message.content).length;
    const promptTokens = Math.ceil(promptCharacters / 4) + 4 * messages.length;
    const completionTokens = estimateTokens(answer);
    completionCount++;
    return context.json({
      id: `chatcmpl-replay-${completionCount}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: parsed.data.model ?? model,
      choices: [
        { index: 0, message: { role: "assistant", content: answer }, finish_reason: "stop", logprobs: null },
      ],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
      },
    });
  });

  app.notFound((context) =>
    context.json(
      errorBody(
        `no route ${context.req.method} ${context.req.path}`,
        "invalid_request_error",
        "unknown_route",
      ),
      404,
    ),
  );
  app.onError((error, context) =>
    context.json(errorBody(error.message, "server_error", "internal_error"), 500),
  );
  return app;
}
