import { z } from "zod";
import { LargeModelAuthenticationError } from "../errors/large-model-authentication-error.js";
import { LargeModelHttpError } from "../errors/large-model-http-error.js";
import { LargeModelNetworkError } from "../errors/large-model-network-error.js";
import { LargeModelResponseError } from "../errors/large-model-response-error.js";

/** How a batch client reaches its provider: headers sent with every request, and the fetch to use. */
export interface BatchHttp {
  headers: Record<string, string>;
  fetch: typeof fetch;
  /** Named in authentication errors. */
  apiKeyEnv?: string | undefined;
}

/** Sends one request; a network failure or an error status becomes a large-model error. */
export async function batchRequest(http: BatchHttp, url: string, init: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await http.fetch(url, { ...init, headers: { ...http.headers, ...(init.headers ?? {}) } });
  } catch (error) {
    if (init.signal?.aborted) throw error;
    throw new LargeModelNetworkError(error instanceof Error ? error.message : String(error), {
      cause: error,
    });
  }
  if (response.ok) return response;
  const body = (await response.text()).slice(0, 500);
  if (response.status === 401 || response.status === 403) {
    throw new LargeModelAuthenticationError({
      status: response.status,
      apiKeyEnv: http.apiKeyEnv,
      serverMessage: body,
    });
  }
  throw new LargeModelHttpError(`batch API: ${init.method ?? "GET"} ${url}: ${response.status} ${body}`, {
    status: response.status,
  });
}

/** Sends one request and checks its JSON reply against `schema`. */
export async function batchJson<Schema extends z.ZodType>(
  http: BatchHttp,
  url: string,
  init: RequestInit,
  schema: Schema,
): Promise<z.output<Schema>> {
  const response = await batchRequest(http, url, init);
  let json: unknown;
  try {
    json = await response.json();
  } catch (error) {
    throw new LargeModelResponseError(`batch API: ${url}: invalid JSON`, { cause: error });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new LargeModelResponseError(`batch API: ${url}: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/** Reads a JSONL reply line by line as it streams in, each line checked against `schema`. */
export async function forEachJsonLine<Schema extends z.ZodType>(
  response: Response,
  schema: Schema,
  onLine: (line: z.output<Schema>) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let pending = "";
  const handle = (line: string) => {
    if (line.trim() === "") return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (error) {
      throw new LargeModelResponseError(`batch results: a line is not JSON: ${line.slice(0, 200)}`, {
        cause: error,
      });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new LargeModelResponseError(`batch results: ${z.prettifyError(parsed.error)}`);
    }
    onLine(parsed.data);
  };
  if (response.body === null) return;
  for await (const chunk of response.body) {
    pending += decoder.decode(chunk as Uint8Array, { stream: true });
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) handle(line);
  }
  handle(pending + decoder.decode());
}

/** The message of a provider's error object, however it nests it (`{message}`, `{error: {message}}`). */
export function errorMessageOf(error: unknown): string {
  if (error === null || typeof error !== "object") return String(error ?? "unknown error");
  const record = error as Record<string, unknown>;
  if (typeof record.message === "string") return record.message;
  if (record.error !== undefined) return errorMessageOf(record.error);
  return JSON.stringify(error).slice(0, 200);
}
