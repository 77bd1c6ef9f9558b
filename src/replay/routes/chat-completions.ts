import { type Context, Hono } from "hono";
import { z } from "zod";
import type { RecordedAnswer } from "../../data/recorded-answers.js";
import { estimateTokens } from "../../large-models/token-estimate.js";
import type { RecordedAnswerIndex } from "../recorded-answer-index.js";
import { errorBody } from "../replay-errors.js";
import {
  chatRequestSchema,
  contentText,
  lastUserText,
  type ReplayChatRequest,
  type ReplayEnv,
  readJson,
} from "../replay-request.js";

/** How the replayed model answers: the recordings, its delay, its injected faults and its names. */
export interface ReplaySettings {
  index: RecordedAnswerIndex;
  latencyMs: number;
  errorRate: number;
  /** The fault injection's seeded PRNG: two draws per injected fault, none when `errorRate` is 0. */
  random: () => number;
  model: string;
  offLabelAnswer: string;
  retryAfterMs: number;
}

/**
 * `POST /v1/chat/completions`: after the delay and the injected faults, the recorded answer for the
 * text of the last user message, in the OpenAI completion format with estimated token counts.
 */
export function chatCompletionsRoute(settings: ReplaySettings): Hono<ReplayEnv> {
  let completionCount = 0;
  const app = new Hono<ReplayEnv>();
  app.post("/v1/chat/completions", async (context) => {
    if (settings.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, settings.latencyMs));
    const fault = injectedFault(context, settings);
    if (fault !== undefined) return fault;
    const request = await readChatRequest(context);
    if (request instanceof Response) return request;
    const lastUser = lastUserText(request.messages);
    if (lastUser === undefined) {
      return context.json(
        errorBody("no user message in the request", "invalid_request_error", "no_user_message"),
        400,
      );
    }
    const recorded = settings.index.find(lastUser);
    if (recorded === undefined) {
      return context.json(
        errorBody("no recorded answer for this text", "not_found_error", "unknown_text"),
        404,
      );
    }
    completionCount++;
    return context.json(completionBody(request, recorded, settings, completionCount));
  });
  return app;
}

/** At the seeded `errorRate`, an injected 429 (with retry-after headers) or 500, half and half. */
function injectedFault(context: Context<ReplayEnv>, settings: ReplaySettings): Response | undefined {
  if (!(settings.errorRate > 0 && settings.random() < settings.errorRate)) return undefined;
  if (settings.random() < 0.5) {
    return context.json(errorBody("injected rate limit", "rate_limit_error", "rate_limit_exceeded"), 429, {
      "retry-after-ms": String(settings.retryAfterMs),
      "retry-after": String(Math.max(1, Math.ceil(settings.retryAfterMs / 1000))),
    });
  }
  return context.json(errorBody("injected server error", "server_error", "internal_error"), 500);
}

/** The request, validated, or the 400 that refuses it (not JSON, or not a chat request). */
async function readChatRequest(context: Context<ReplayEnv>): Promise<ReplayChatRequest | Response> {
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
  return parsed.data;
}

/**
 * The completion: the recorded answer (the off-label sentence where it is empty), with about four
 * characters a token for the prompt plus four per message, and the answer's estimated tokens.
 */
export function completionBody(
  request: ReplayChatRequest,
  recorded: RecordedAnswer,
  settings: ReplaySettings,
  completionNumber: number,
) {
  const answer = recorded.answer.trim() === "" ? settings.offLabelAnswer : recorded.answer;
  let promptCharacters = 0;
  for (const message of request.messages) promptCharacters += contentText(message.content).length;
  const promptTokens = Math.ceil(promptCharacters / 4) + 4 * request.messages.length;
  const completionTokens = estimateTokens(answer);
  return {
    id: `chatcmpl-replay-${completionNumber}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: request.model ?? settings.model,
    choices: [
      { index: 0, message: { role: "assistant", content: answer }, finish_reason: "stop", logprobs: null },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
  };
}
