import { z } from "zod";
import { estimateTokens } from "../token-estimate.js";
import type { BatchClient, BatchResult, BatchStatus } from "./batch-client.js";
import { type BatchHttp, batchJson, batchRequest, errorMessageOf, forEachJsonLine } from "./batch-http.js";

/** How to reach the Anthropic Message Batches API. */
export interface AnthropicBatchClientOptions {
  /** Default "https://api.anthropic.com". */
  baseUrl?: string | undefined;
  model: string;
  apiKey?: string | undefined;
  apiKeyEnv?: string | undefined;
  fetch?: typeof fetch | undefined;
}

const messageBatchSchema = z.object({
  id: z.string().min(1),
  processing_status: z.enum(["in_progress", "canceling", "ended"]),
  request_counts: z.object({
    processing: z.number(),
    succeeded: z.number(),
    errored: z.number(),
    canceled: z.number(),
    expired: z.number(),
  }),
  results_url: z.string().nullish(),
});

const messageSchema = z.object({
  content: z.array(z.object({ type: z.string(), text: z.string().optional() })),
  usage: z.object({ input_tokens: z.number(), output_tokens: z.number() }),
});

const resultLineSchema = z.object({
  custom_id: z.string(),
  result: z.object({
    type: z.enum(["succeeded", "errored", "canceled", "expired"]),
    message: z.unknown().optional(),
    error: z.unknown().optional(),
  }),
});

/**
 * The Anthropic Message Batches API: `POST /v1/messages/batches` with every request's Messages
 * parameters, `GET /v1/messages/batches/{id}` to poll, and the JSONL at its `results_url` once
 * `processing_status` is "ended". System messages become the `system` field, as in the Messages model.
 */
export function createAnthropicBatchClient(options: AnthropicBatchClientOptions): BatchClient {
  const base = (options.baseUrl ?? "https://api.anthropic.com").replace(/\/+$/, "");
  const http: BatchHttp = {
    headers: {
      "anthropic-version": "2023-06-01",
      ...(options.apiKey === undefined ? {} : { "x-api-key": options.apiKey }),
    },
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    apiKeyEnv: options.apiKeyEnv,
  };
  const batchUrl = (batchId: string) => `${base}/v1/messages/batches/${batchId}`;
  return {
    endpoint: `anthropic ${base}`,
    maxRequests: 100_000,
    async submit(entries, signal) {
      const requests = entries.map((entry) => {
        const system = entry.request.messages
          .filter((message) => message.role === "system")
          .map((message) => message.content)
          .join("\n\n");
        const messages = entry.request.messages
          .filter((message) => message.role !== "system")
          .map((message) => ({ role: message.role, content: message.content }));
        return {
          custom_id: entry.customId,
          params: {
            model: options.model,
            max_tokens: entry.request.maxTokens,
            temperature: entry.request.temperature,
            messages,
            ...(system === "" ? {} : { system }),
          },
        };
      });
      const init: RequestInit = {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ requests }),
        ...(signal === undefined ? {} : { signal }),
      };
      const batch = await batchJson(http, `${base}/v1/messages/batches`, init, messageBatchSchema);
      return batch.id;
    },
    async status(batchId, signal) {
      const init = signal === undefined ? {} : { signal };
      return statusOf(await batchJson(http, batchUrl(batchId), init, messageBatchSchema));
    },
    async readResults(batchId, onResult, signal) {
      const init = signal === undefined ? {} : { signal };
      const batch = await batchJson(http, batchUrl(batchId), init, messageBatchSchema);
      const url = batch.results_url ?? `${batchUrl(batchId)}/results`;
      const response = await batchRequest(http, url, init);
      await forEachJsonLine(response, resultLineSchema, (line) => onResult(resultOf(line)));
    },
  };
}

function statusOf(batch: z.output<typeof messageBatchSchema>): BatchStatus {
  const counts = batch.request_counts;
  const finished = counts.succeeded + counts.errored + counts.canceled + counts.expired;
  return {
    ended: batch.processing_status === "ended",
    state: batch.processing_status,
    total: finished + counts.processing,
    finished,
  };
}

function resultOf(line: z.output<typeof resultLineSchema>): BatchResult {
  const customId = line.custom_id;
  const { result } = line;
  if (result.type === "succeeded") {
    const parsed = messageSchema.safeParse(result.message);
    if (!parsed.success) {
      return { customId, ok: false, reason: "failed", message: z.prettifyError(parsed.error) };
    }
    const text = parsed.data.content
      .filter((block) => block.type === "text")
      .map((block) => block.text ?? "")
      .join("");
    return {
      customId,
      ok: true,
      text,
      usage: {
        promptTokens: parsed.data.usage.input_tokens,
        completionTokens: parsed.data.usage.output_tokens || estimateTokens(text),
      },
    };
  }
  if (result.type === "errored") {
    return { customId, ok: false, reason: "failed", message: errorMessageOf(result.error) };
  }
  return { customId, ok: false, reason: result.type, message: `the batch ${result.type} this request` };
}
