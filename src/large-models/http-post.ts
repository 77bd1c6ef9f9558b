import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { LargeModelResponseError } from "./errors/large-model-response-error.js";

/** The reply to one HTTP POST: status, headers and the whole body as text. */
export interface HttpReply {
  status: number;
  headers: { get(name: string): string | null };
  body: string;
}

/**
 * Sends one POST and reads the whole reply. Rejects with a LargeModelResponseError when the reply
 * cannot be read as text (too large, unknown encoding), else with the network error, also when
 * `signal` aborts.
 */
export type HttpPost = (
  url: URL,
  request: { headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<HttpReply>;

/** A reply body above this size is refused (a classification answer is a few hundred bytes). */
const maxReplyBytes = 16 * 1024 * 1024;

/**
 * POSTs over node:http / node:https with keep-alive Agents of its own (one per call of this factory),
 * so that consecutive calls reuse their connection. Far lighter per call than `fetch` (undici's
 * WHATWG streams): ~0.3 ms of CPU instead of ~0.7 ms on loopback, and the gap widens when the
 * process wakes up cold. Free sockets are unreferenced (they never keep the process alive) and
 * closed before the server's announced keep-alive timeout (or after `idleSocketMs`, default 4 s).
 */
export function createNodeHttpPost(options: { idleSocketMs?: number } = {}): HttpPost {
  const agentOptions = { keepAlive: true, timeout: options.idleSocketMs ?? 4_000 };
  let httpAgent: HttpAgent | undefined;
  let httpsAgent: HttpsAgent | undefined;
  const agentFor = (secure: boolean): HttpAgent => {
    if (secure) {
      httpsAgent ??= new HttpsAgent(agentOptions);
      return httpsAgent;
    }
    httpAgent ??= new HttpAgent(agentOptions);
    return httpAgent;
  };
  return (url, request) =>
    new Promise((resolve, reject) => {
      const secure = url.protocol === "https:";
      const send = secure ? httpsRequest : httpRequest;
      const agent = agentFor(secure);
      const outgoing = send(
        url,
        {
          method: "POST",
          agent,
          signal: request.signal,
          headers: { ...request.headers, "content-length": String(Buffer.byteLength(request.body)) },
        },
        (incoming) => readReply(incoming, resolve, reject),
      );
      outgoing.once("error", reject);
      outgoing.end(request.body);
    });
}

/** Reads the whole reply into `resolve` (called straight from the "end" event: no extra promise hop). */
function readReply(
  incoming: IncomingMessage,
  resolve: (reply: HttpReply) => void,
  reject: (error: unknown) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  incoming.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxReplyBytes) {
      incoming.destroy(new LargeModelResponseError(`reply body over ${maxReplyBytes} bytes`));
      return;
    }
    chunks.push(chunk);
  });
  incoming.once("error", reject);
  incoming.once("end", () => {
    const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
    const headers = incoming.headers;
    let body: string;
    try {
      body = decode(raw, headers["content-encoding"]).toString("utf8");
    } catch (error) {
      reject(new LargeModelResponseError(`unreadable reply body (${errorMessage(error)})`, { cause: error }));
      return;
    }
    resolve({
      status: incoming.statusCode ?? 0,
      headers: {
        get(name) {
          const value = headers[name.toLowerCase()];
          if (value === undefined) return null;
          return Array.isArray(value) ? value.join(", ") : value;
        },
      },
      body,
    });
  });
  // A connection cut mid-body ends the stream without "end" (and, aborted, maybe without "error").
  incoming.once("close", () => {
    if (!incoming.complete) reject(new Error("the connection closed before the whole reply arrived"));
  });
}

/** The body as sent, undone of a content encoding a server applied although none was asked for. */
function decode(raw: Buffer, encoding: string | undefined): Buffer {
  switch (encoding?.trim().toLowerCase()) {
    case undefined:
    case "":
    case "identity":
      return raw;
    case "gzip":
    case "x-gzip":
      return gunzipSync(raw);
    case "deflate":
      return inflateSync(raw);
    case "br":
      return brotliDecompressSync(raw);
    default:
      throw new Error(`unsupported content-encoding ${encoding}`);
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The same contract over a `fetch` implementation (an injected one: tests, call counting, proxies). */
export function createFetchPost(fetchFunction: typeof fetch): HttpPost {
  return async (url, request) => {
    const response = await fetchFunction(url, {
      method: "POST",
      headers: request.headers,
      body: request.body,
      signal: request.signal,
    });
    return { status: response.status, headers: response.headers, body: await response.text() };
  };
}
