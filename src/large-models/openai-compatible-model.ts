import { z } from "zod";
import type { Completion, CompletionRequest, LargeModel } from "../spec/large-model.js";
import type { CallSignal } from "./call-signal.js";
import { LargeModelAbortedError } from "./errors/large-model-aborted-error.js";
import { LargeModelResponseError } from "./errors/large-model-response-error.js";
import { LargeModelTimeoutError } from "./errors/large-model-timeout-error.js";
import { createFetchPost, createNodeHttpPost, HttpPostTimeoutError, type HttpReply } from "./http-post.js";
import { type SdkFailure, toLargeModelError } from "./sdk-failure.js";
import { estimatePromptTokens, estimateTokens } from "./token-estimate.js";

/** How to reach a model behind an OpenAI-compatible chat completions API (see `createOpenAICompatibleModel`). */
export interface OpenAICompatibleModelOptions {
  /** e.g. "https://api.openai.com/v1", "http://127.0.0.1:8000/v1" (vLLM), "http://127.0.0.1:11434/v1" (Ollama). */
  baseUrl: string;
  model: string;
  /** Sent as `Authorization: Bearer …`; without it no Authorization header is sent (local servers). */
  apiKey?: string | undefined;
  /** The environment variable the key was read from, named in authentication errors. */
  apiKeyEnv?: string | undefined;
  /**
   * Injected fetch (tests, proxies); by default requests go over node:http(s) with a keep-alive
   * Agent of this model's own, much lighter per call than `fetch`.
   */
  fetch?: typeof fetch | undefined;
  /** Called once per HTTP request sent (retries are separate requests), whichever the transport. */
  onHttpRequest?: (() => void) | undefined;
  /** Per-call timeout in milliseconds (default 60 000). */
  timeoutMs?: number;
}

const chatCompletionSchema = z.object({
  choices: z
    .array(z.object({ message: z.object({ content: z.string().nullish() }) }))
    .min(1, "no choices in the response"),
  usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number() }).nullish(),
});

/** The part of an OpenAI-style error body that carries its message (and the parameter it blames). */
const errorBodySchema = z.object({
  error: z.object({ message: z.string(), param: z.string().nullish() }),
});

/**
 * How the request spells its limits. Newer OpenAI models (o-series, gpt-5) refuse `max_tokens`
 * (they want `max_completion_tokens`) and any temperature but the default: a 400 that says so
 * switches this model's spelling once, and the call is sent again.
 */
interface RequestSpelling {
  tokenLimitField: "max_tokens" | "max_completion_tokens";
  sendTemperature: boolean;
}

/** The spelling a 400 reply asks for instead of `current`, or undefined when it asks for nothing we can change. */
function respelledAfter(reply: HttpReply, current: RequestSpelling): RequestSpelling | undefined {
  if (reply.status !== 400) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(reply.body);
  } catch {
    return undefined;
  }
  const parsed = errorBodySchema.safeParse(json);
  if (!parsed.success) return undefined;
  const { message, param } = parsed.data.error;
  if (
    current.tokenLimitField === "max_tokens" &&
    (param === "max_tokens" || message.includes("max_completion_tokens"))
  )
    return { ...current, tokenLimitField: "max_completion_tokens" };
  if (current.sendTemperature && param === "temperature") return { ...current, sendTemperature: false };
  return undefined;
}

/**
 * A chat model behind an OpenAI-compatible `/chat/completions` endpoint (OpenAI, vLLM, Ollama,
 * the llama.cpp server, LM Studio, the replay server). One POST per call, no retries here (they
 * are the job of `createRetryingModel`): the reply is JSON-parsed and checked with zod, and every
 * failure becomes a typed large-model error (HTTP status with its Retry-After, authentication,
 * timeout, abort, network, malformed reply). This is the whole of what the openai SDK did for this
 * one endpoint, without its per-call cost on the path of every LM-routed request.
 */
export function createOpenAICompatibleModel(options: OpenAICompatibleModelOptions): LargeModel {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const url = new URL(`${options.baseUrl.replace(/\/+$/, "")}/chat/completions`);
  const post = options.fetch === undefined ? createNodeHttpPost() : createFetchPost(options.fetch);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json",
    "user-agent": "easy-adapt",
  };
  if (options.apiKey !== undefined) headers.authorization = `Bearer ${options.apiKey}`;
  const failureContext = { timeoutMs, apiKeyEnv: options.apiKeyEnv, baseUrl: options.baseUrl };
  let spelling: RequestSpelling = { tokenLimitField: "max_tokens", sendTemperature: true };

  return {
    id: `openai-compatible:${options.model}`,
    async complete(request: CompletionRequest, callOptions?: { signal?: AbortSignal }): Promise<Completion> {
      const signal = callOptions?.signal;
      if (signal?.aborted) throw new LargeModelAbortedError({ cause: signal.reason });
      const deadline = Date.now() + timeoutMs;
      let reply: HttpReply;
      try {
        // At most two re-spellings (the token limit, the temperature): then the reply stands.
        for (let attempt = 0; ; attempt += 1) {
          const body = JSON.stringify({
            model: options.model,
            messages: request.messages,
            ...(spelling.sendTemperature ? { temperature: request.temperature } : {}),
            [spelling.tokenLimitField]: request.maxTokens,
          });
          options.onHttpRequest?.();
          // The timeout covers the whole call, re-spellings included.
          const remainingMs = attempt === 0 ? timeoutMs : Math.max(0, deadline - Date.now());
          reply = await post(url, {
            headers,
            body,
            ...(signal === undefined ? {} : { signal }),
            timeoutMs: remainingMs,
          });
          const respelled = attempt < 2 ? respelledAfter(reply, spelling) : undefined;
          if (respelled === undefined) break;
          spelling = respelled;
        }
      } catch (error) {
        if (error instanceof LargeModelResponseError) throw error;
        if (error instanceof HttpPostTimeoutError)
          throw new LargeModelTimeoutError(timeoutMs, { cause: error });
        const failure: SdkFailure = { kind: "connection", message: "Connection error." };
        throw toLargeModelError(failure, error, { callSignal: settledCall(signal), ...failureContext });
      }
      if (reply.status < 200 || reply.status > 299) {
        const failure: SdkFailure = {
          kind: "status",
          status: reply.status,
          headers: reply.headers,
          message: statusMessage(reply),
        };
        throw toLargeModelError(failure, undefined, { callSignal: settledCall(signal), ...failureContext });
      }
      let json: unknown;
      try {
        json = JSON.parse(reply.body);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new LargeModelResponseError(`invalid JSON (${reason})`, { cause: error });
      }
      const parsed = chatCompletionSchema.safeParse(json);
      if (!parsed.success) throw new LargeModelResponseError(z.prettifyError(parsed.error));
      const text = parsed.data.choices[0]?.message.content ?? "";
      return {
        text,
        usage: {
          promptTokens: parsed.data.usage?.prompt_tokens ?? estimatePromptTokens(request),
          completionTokens: parsed.data.usage?.completion_tokens ?? estimateTokens(text),
        },
        cached: false,
      };
    },
  };
}

/**
 * The state of a finished call for toLargeModelError: timeouts are told apart before (no call signal of
 * its own is made per call: the caller's signal and the timeout go straight to the POST).
 */
function settledCall(signal: AbortSignal | undefined): CallSignal {
  return {
    signal: signal ?? new AbortController().signal,
    timedOut: () => false,
    callerAborted: () => signal?.aborted === true,
    dispose() {},
  };
}

/** "429 Rate limit reached", as the openai SDK words an error status: the status and the server's message. */
function statusMessage(reply: HttpReply): string {
  const text = reply.body.trim();
  if (text === "") return `${reply.status} status code (no body)`;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return `${reply.status} ${text.slice(0, 500)}`;
  }
  const parsed = errorBodySchema.safeParse(json);
  if (parsed.success) return `${reply.status} ${parsed.data.error.message}`;
  return json !== null && typeof json === "object" && Object.keys(json).length === 0
    ? `${reply.status} status code (no body)`
    : `${reply.status} ${text.slice(0, 500)}`;
}
