import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { LargeModelResponseError } from "./errors/large-model-response-error.js";

/**
 * A reply body above this size is refused, counted after decompression (a classification answer
 * is a few hundred bytes): a compression bomb stops at the limit instead of filling the memory.
 */
export const maxReplyBytes = 16 * 1024 * 1024;

/** The error for a reply body over `limit` bytes (`decompressed`: counted after undoing its encoding). */
export function replyTooLargeError(limit: number, decompressed: boolean): LargeModelResponseError {
  return new LargeModelResponseError(
    `reply body over ${limit} bytes${decompressed ? " once decompressed" : ""}: refused`,
  );
}

/**
 * The body as sent, undone of a content encoding a server applied although none was asked for,
 * never more than `limit` bytes once decompressed (zlib's `maxOutputLength`: decompression stops
 * there). Throws a LargeModelResponseError past the limit or for an unreadable body.
 */
export function decodeReplyBody(raw: Buffer, encoding: string | undefined, limit = maxReplyBytes): Buffer {
  const bounded = { maxOutputLength: limit };
  try {
    switch (encoding?.trim().toLowerCase()) {
      case undefined:
      case "":
      case "identity":
        return raw;
      case "gzip":
      case "x-gzip":
        return gunzipSync(raw, bounded);
      case "deflate":
        return inflateSync(raw, bounded);
      case "br":
        return brotliDecompressSync(raw, bounded);
      default:
        throw new Error(`unsupported content-encoding ${encoding}`);
    }
  } catch (error) {
    if ((error as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") throw replyTooLargeError(limit, true);
    const reason = error instanceof Error ? error.message : String(error);
    throw new LargeModelResponseError(`unreadable reply body (${reason})`, { cause: error });
  }
}

/**
 * The body of a fetch Response as text, read chunk by chunk (fetch hands them over decompressed)
 * and cut off with a LargeModelResponseError as soon as they pass `limit` bytes.
 */
export async function readBoundedText(response: Response, limit = maxReplyBytes): Promise<string> {
  if (response.body === null) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw replyTooLargeError(limit, true);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size).toString("utf8");
}

/**
 * A fetch whose responses' bodies error with a LargeModelResponseError once they pass `limit`
 * bytes (decompressed): for clients that read the body themselves (the Anthropic SDK).
 */
export function createBoundedFetch(fetchFunction: typeof fetch, limit = maxReplyBytes): typeof fetch {
  return async (input, init) => {
    const response = await fetchFunction(input, init);
    if (response.body === null) return response;
    let size = 0;
    const counter = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        size += chunk.byteLength;
        if (size > limit) controller.error(replyTooLargeError(limit, true));
        else controller.enqueue(chunk);
      },
    });
    return new Response(response.body.pipeThrough(counter), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}
