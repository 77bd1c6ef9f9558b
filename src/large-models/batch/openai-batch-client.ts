import { z } from "zod";
import { estimatePromptTokens, estimateTokens } from "../token-estimate.js";
import type { BatchClient, BatchEntry, BatchResult, BatchStatus } from "./batch-client.js";
import { type BatchHttp, batchJson, batchRequest, errorMessageOf, forEachJsonLine } from "./batch-http.js";

/** How to reach an OpenAI-compatible batch API (`/files`, `/batches`). */
export interface OpenAIBatchClientOptions {
  /** e.g. "https://api.openai.com/v1". */
  baseUrl: string;
  model: string;
  apiKey?: string | undefined;
  apiKeyEnv?: string | undefined;
  fetch?: typeof fetch | undefined;
}

const fileSchema = z.object({ id: z.string().min(1) });

const batchSchema = z.object({
  id: z.string().min(1),
  status: z.enum([
    "validating",
    "failed",
    "in_progress",
    "finalizing",
    "completed",
    "expired",
    "cancelling",
    "cancelled",
  ]),
  output_file_id: z.string().nullish(),
  error_file_id: z.string().nullish(),
  request_counts: z.object({ total: z.number(), completed: z.number(), failed: z.number() }).nullish(),
});

const completionBodySchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullish() }) })).min(1),
  usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number() }).nullish(),
});

/** One line of an output or error file. */
const outputLineSchema = z.object({
  custom_id: z.string(),
  response: z.object({ status_code: z.number(), body: z.unknown() }).nullish(),
  error: z.object({ code: z.string().nullish(), message: z.string().nullish() }).nullish(),
});

const endedStates = new Set(["failed", "completed", "expired", "cancelled"]);

/**
 * The OpenAI Batch API: the requests go up as a JSONL file (`POST /files`, purpose "batch"), one
 * `POST /batches` runs them against `/v1/chat/completions` within 24 h, `GET /batches/{id}` polls,
 * and the output and error files (`GET /files/{id}/content`) hold one result line per request.
 */
export function createOpenAIBatchClient(options: OpenAIBatchClientOptions): BatchClient {
  const base = options.baseUrl.replace(/\/+$/, "");
  const http: BatchHttp = {
    headers: options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` },
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    apiKeyEnv: options.apiKeyEnv,
  };
  const bodies = new Map<string, BatchEntry["request"]>();
  return {
    endpoint: `openai-compatible ${base}`,
    maxRequests: 50_000,
    async submit(entries, signal) {
      const lines = entries.map((entry) => {
        bodies.set(entry.customId, entry.request);
        return JSON.stringify({
          custom_id: entry.customId,
          method: "POST",
          url: "/v1/chat/completions",
          body: {
            model: options.model,
            messages: entry.request.messages,
            temperature: entry.request.temperature,
            max_tokens: entry.request.maxTokens,
          },
        });
      });
      const form = new FormData();
      form.append("purpose", "batch");
      form.append("file", new Blob([`${lines.join("\n")}\n`], { type: "application/jsonl" }), "batch.jsonl");
      const file = await batchJson(
        http,
        `${base}/files`,
        withSignal({ method: "POST", body: form }, signal),
        fileSchema,
      );
      const batch = await batchJson(
        http,
        `${base}/batches`,
        withSignal(
          {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
              input_file_id: file.id,
              endpoint: "/v1/chat/completions",
              completion_window: "24h",
            }),
          },
          signal,
        ),
        batchSchema,
      );
      return batch.id;
    },
    async status(batchId, signal) {
      const batch = await batchJson(http, `${base}/batches/${batchId}`, withSignal({}, signal), batchSchema);
      return statusOf(batch);
    },
    async readResults(batchId, onResult, signal) {
      const batch = await batchJson(http, `${base}/batches/${batchId}`, withSignal({}, signal), batchSchema);
      for (const fileId of [batch.output_file_id, batch.error_file_id]) {
        if (fileId === null || fileId === undefined) continue;
        const response = await batchRequest(http, `${base}/files/${fileId}/content`, withSignal({}, signal));
        await forEachJsonLine(response, outputLineSchema, (line) => onResult(resultOf(line, bodies)));
      }
    },
  };
}

function withSignal(init: RequestInit, signal: AbortSignal | undefined): RequestInit {
  return signal === undefined ? init : { ...init, signal };
}

function statusOf(batch: z.output<typeof batchSchema>): BatchStatus {
  const counts = batch.request_counts;
  return {
    ended: endedStates.has(batch.status),
    state: batch.status,
    total: counts?.total ?? 0,
    finished: (counts?.completed ?? 0) + (counts?.failed ?? 0),
  };
}

/** A result line as a BatchResult: the answer of a 2xx response, else why there is none. */
function resultOf(
  line: z.output<typeof outputLineSchema>,
  bodies: ReadonlyMap<string, BatchEntry["request"]>,
): BatchResult {
  const customId = line.custom_id;
  const response = line.response;
  if (
    response !== null &&
    response !== undefined &&
    response.status_code >= 200 &&
    response.status_code < 300
  ) {
    const parsed = completionBodySchema.safeParse(response.body);
    if (!parsed.success) {
      return { customId, ok: false, reason: "failed", message: z.prettifyError(parsed.error) };
    }
    const text = parsed.data.choices[0]?.message.content ?? "";
    const request = bodies.get(customId);
    return {
      customId,
      ok: true,
      text,
      usage: {
        promptTokens:
          parsed.data.usage?.prompt_tokens ?? (request === undefined ? 0 : estimatePromptTokens(request)),
        completionTokens: parsed.data.usage?.completion_tokens ?? estimateTokens(text),
      },
    };
  }
  const code = line.error?.code ?? "";
  const reason = code === "batch_expired" ? "expired" : code === "batch_cancelled" ? "canceled" : "failed";
  const message =
    line.error?.message ??
    (response === null || response === undefined
      ? code || "no response"
      : `${response.status_code} ${errorMessageOf(response.body)}`);
  return { customId, ok: false, reason, message };
}
