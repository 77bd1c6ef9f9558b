import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { openAiErrorResponse } from "../openai/openai-error-response.js";
import { bodyTooLarge, nodeIncoming } from "../read-request-text.js";

/**
 * Refuses a request body over `maxBodyBytes` with a 413 in the OpenAI error format. In memory
 * (`app.request()`) this is hono's `bodyLimit`. Under @hono/node-server, hono's bodyLimit would
 * build a web Request (and its stream) for every request just to look at it; there the same limit
 * is enforced on the Node request instead: the Content-Length up front, the bytes as they are read
 * (`readRequestText`).
 */
export function limitBody(maxBodyBytes: number): MiddlewareHandler {
  const honoBodyLimit = bodyLimit({
    maxSize: maxBodyBytes,
    onError: () => {
      const error = bodyTooLarge(maxBodyBytes);
      return openAiErrorResponse(error.status, error.message, error.type, error.code);
    },
  });
  return (context, next) => {
    const incoming = nodeIncoming(context);
    if (incoming === undefined) return honoBodyLimit(context, next);
    const declared = incoming.headers["content-length"];
    if (declared !== undefined && Number(declared) > maxBodyBytes) throw bodyTooLarge(maxBodyBytes);
    return next();
  };
}
