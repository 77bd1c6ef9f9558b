import type { ErrorHandler, NotFoundHandler } from "hono";
import { ServeRequestError } from "../../spec/errors/serve-request-error.js";
import type { Logger } from "../../spec/logger.js";
import { openAiErrorResponse } from "../openai/openai-error-response.js";
import { echoed } from "../openai/request-errors.js";

/**
 * The app's `onError`: the OpenAI-style error answer to a failed request, a ServeRequestError's own
 * status and body, anything else a 500 (logged as `request-failed`, its message not sent).
 */
export function openAiErrorHandler(logger: Logger): ErrorHandler {
  return (error) => {
    if (error instanceof ServeRequestError) {
      return openAiErrorResponse(error.status, error.message, error.type, error.code);
    }
    logger.warn("request-failed", { error: error instanceof Error ? error.message : String(error) });
    return openAiErrorResponse(
      500,
      "The server failed to answer this request.",
      "server_error",
      "internal_error",
    );
  };
}

/** The app's `notFound`: a 404 in the OpenAI error format naming the method and path. */
export const openAiNotFound: NotFoundHandler = (context) =>
  openAiErrorResponse(
    404,
    `No route for ${echoed(context.req.method)} ${echoed(new URL(context.req.url).pathname)}.`,
    "invalid_request_error",
    "not_found",
  );
