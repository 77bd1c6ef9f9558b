import type { ErrorHandler, NotFoundHandler } from "hono";
import type { ReplayEnv } from "./replay-request.js";

/** The OpenAI error types the replay answers with. */
export type ReplayErrorType =
  | "invalid_request_error"
  | "rate_limit_error"
  | "server_error"
  | "not_found_error";

/** The OpenAI error body `{"error":{"message","type","code"}}`. */
export function errorBody(message: string, type: ReplayErrorType, code: string) {
  return { error: { message, type, code } };
}

/** The replay's `notFound`: a 404 naming the method and path (`code: unknown_route`). */
export const replayNotFound: NotFoundHandler<ReplayEnv> = (context) =>
  context.json(
    errorBody(`no route ${context.req.method} ${context.req.path}`, "invalid_request_error", "unknown_route"),
    404,
  );

/** The replay's `onError`: a 500 with the error's message. */
export const replayErrorHandler: ErrorHandler<ReplayEnv> = (error, context) =>
  context.json(errorBody(error.message, "server_error", "internal_error"), 500);
