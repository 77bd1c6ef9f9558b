/**
 * The 405 of a path that exists for another method. Hono's `methodNotAllowed` middleware is not
 * used: it runs after every request on the path (one more await on the hot path) and would answer
 * the GET-only paths too (`POST /healthz` is a 404 here); a handler registered after the path's own
 * is reached only by the other methods.
 * @module
 */
import type { Handler } from "hono";
import { openAiErrorResponse } from "../openai/openai-error-response.js";

/**
 * A handler for all methods on `path`, registered after the path's `allow` handler: a 405 with
 * `Allow: <allow>` and the OpenAI error body, not a 404 that says the path is wrong.
 */
export function methodNotAllowed(path: string, allow: string): Handler {
  return (context) => {
    const response = openAiErrorResponse(
      405,
      `Method ${context.req.method} is not allowed for ${path}: use ${allow}.`,
      "invalid_request_error",
      "method_not_allowed",
    );
    response.headers.set("allow", allow);
    return response;
  };
}
