import { z } from "zod";
import type { Completion, CompletionRequest, LargeModel } from "../spec/large-model.js";
import { once } from "../util/once.js";
import { createBoundedFetch } from "./bounded-reply.js";
import { createCallSignal } from "./call-signal.js";
import { createCountingFetch } from "./counting-fetch.js";
import { LargeModelResponseError } from "./errors/large-model-response-error.js";
import { classifySdkError, toLargeModelError } from "./sdk-failure.js";
import { estimateTokens } from "./token-estimate.js";

/** How to reach a model behind the Anthropic Messages API (see `createAnthropicModel`). */
export interface AnthropicModelOptions {
  /** Default "https://api.anthropic.com". */
  baseUrl?: string | undefined;
  model: string;
  /** Sent as `x-api-key`. */
  apiKey?: string | undefined;
  apiKeyEnv?: string | undefined;
  /** Injected fetch (tests, proxies); default the global fetch. */
  fetch?: typeof fetch | undefined;
  /** Called once per HTTP request sent (retries are separate requests). */
  onHttpRequest?: (() => void) | undefined;
  timeoutMs?: number;
}

const messageSchema = z.object({
  content: z.array(z.object({ type: z.string(), text: z.string().optional() })),
  usage: z.object({ input_tokens: z.number(), output_tokens: z.number() }),
});

/** A model behind the Anthropic Messages API. System messages become the `system` field. */
export function createAnthropicModel(options: AnthropicModelOptions): LargeModel {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const baseFetch = options.fetch;
  const onHttpRequest = options.onHttpRequest;
  // Late-bound global fetch (a test may replace it); every reply body bounded after decompression.
  const transport: typeof fetch = baseFetch ?? ((input, init) => globalThis.fetch(input, init));
  const sdkFetch = createBoundedFetch(
    onHttpRequest === undefined ? transport : createCountingFetch(transport, onHttpRequest),
  );
  // The SDK (slow to import) is loaded on the first call; one client per model, reused.
  const load = once(() =>
    import("@anthropic-ai/sdk").then((sdk) => ({
      sdk,
      client: new sdk.default({
        apiKey: options.apiKey ?? null,
        authToken: null,
        baseURL: options.baseUrl ?? "https://api.anthropic.com",
        maxRetries: 0,
        timeout: timeoutMs + 60_000,
        logLevel: "off",
        fetch: sdkFetch,
        ...(options.apiKey === undefined ? { defaultHeaders: { "x-api-key": null } } : {}),
      }),
    })),
  );

  return {
    id: `anthropic:${options.model}`,
    async complete(request: CompletionRequest, callOptions?: { signal?: AbortSignal }): Promise<Completion> {
      const system = request.messages
        .filter((message) => message.role === "system")
        .map((message) => message.content)
        .join("\n\n");
      const messages = request.messages
        .filter((message) => message.role !== "system")
        .map((message) => ({ role: message.role as "user" | "assistant", content: message.content }));
      const { sdk, client } = await load();
      const callSignal = createCallSignal(timeoutMs, callOptions?.signal);
      try {
        const response: unknown = await client.messages.create(
          {
            model: options.model,
            max_tokens: request.maxTokens,
            temperature: request.temperature,
            messages,
            ...(system === "" ? {} : { system }),
          },
          { signal: callSignal.signal },
        );
        const parsed = messageSchema.safeParse(response);
        if (!parsed.success) throw new LargeModelResponseError(z.prettifyError(parsed.error));
        const text = parsed.data.content
          .filter((block) => block.type === "text")
          .map((block) => block.text ?? "")
          .join("");
        return {
          text,
          usage: {
            promptTokens: parsed.data.usage.input_tokens,
            completionTokens: parsed.data.usage.output_tokens || estimateTokens(text),
          },
          cached: false,
        };
      } catch (error) {
        if (error instanceof LargeModelResponseError) throw error;
        throw toLargeModelError(classifySdkError(sdk, error), error, {
          callSignal,
          timeoutMs,
          apiKeyEnv: options.apiKeyEnv,
          baseUrl: options.baseUrl ?? "https://api.anthropic.com",
        });
      } finally {
        callSignal.dispose();
      }
    },
  };
}
