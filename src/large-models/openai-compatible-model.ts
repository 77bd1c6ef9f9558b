import { z } from "zod";
import type { Completion, CompletionRequest, LargeModel } from "../spec/large-model.js";
import { once } from "../util/once.js";
import { createCallSignal } from "./call-signal.js";
import { LargeModelResponseError } from "./errors/large-model-response-error.js";
import { classifySdkError, toLargeModelError } from "./sdk-failure.js";
import { estimatePromptTokens, estimateTokens } from "./token-estimate.js";

export interface OpenAICompatibleModelOptions {
  /** e.g. "https://api.openai.com/v1", "http://127.0.0.1:8000/v1" (vLLM), "http://127.0.0.1:11434/v1" (Ollama). */
  baseUrl: string;
  model: string;
  /** Sent as `Authorization: Bearer …`; without it no Authorization header is sent (local servers). */
  apiKey?: string | undefined;
  /** The environment variable the key was read from, named in authentication errors. */
  apiKeyEnv?: string | undefined;
  /** Injected fetch (count HTTP calls, tests); defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Per-call timeout in milliseconds (default 60 000). */
  timeoutMs?: number;
}

const chatCompletionSchema = z.object({
  choices: z
    .array(z.object({ message: z.object({ content: z.string().nullish() }) }))
    .min(1, "no choices in the response"),
  usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number() }).nullish(),
});

/**
 * A chat model behind an OpenAI-compatible `/chat/completions` endpoint (OpenAI, vLLM, Ollama,
 * the llama.cpp server, LM Studio, the replay server). One SDK client per model, SDK retries off:
 * retries are the job of `createRetryingModel`.
 */
export function createOpenAICompatibleModel(options: OpenAICompatibleModelOptions): LargeModel {
  const timeoutMs = options.timeoutMs ?? 60_000;
  // The SDK is loaded on the first call (keeps CLI start-up fast); one client per model, reused.
  const load = once(() =>
    import("openai").then((sdk) => ({
      sdk,
      client: new sdk.default({
        apiKey: options.apiKey ?? "no-key",
        baseURL: options.baseUrl,
        organization: null,
        project: null,
        webhookSecret: null,
        maxRetries: 0,
        timeout: timeoutMs + 60_000,
        logLevel: "off",
        ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
        ...(options.apiKey === undefined ? { defaultHeaders: { Authorization: null } } : {}),
      }),
    })),
  );

  return {
    id: `openai-compatible:${options.model}`,
    async complete(request: CompletionRequest, callOptions?: { signal?: AbortSignal }): Promise<Completion> {
      const { sdk, client } = await load();
      const callSignal = createCallSignal(timeoutMs, callOptions?.signal);
      try {
        const response: unknown = await client.chat.completions.create(
          {
            model: options.model,
            messages: request.messages,
            temperature: request.temperature,
            max_tokens: request.maxTokens,
          },
          { signal: callSignal.signal },
        );
        const parsed = chatCompletionSchema.safeParse(response);
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
      } catch (error) {
        if (error instanceof LargeModelResponseError) throw error;
        throw toLargeModelError(classifySdkError(sdk, error), error, {
          callSignal,
          timeoutMs,
          apiKeyEnv: options.apiKeyEnv,
          baseUrl: options.baseUrl,
        });
      } finally {
        callSignal.dispose();
      }
    },
  };
}
