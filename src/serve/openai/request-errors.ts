import { ServeRequestError } from "../../spec/errors/serve-request-error.js";

/** The 400 for a request body that does not say what the endpoint needs (`code: invalid_request`). */
export function invalidRequest(message: string): ServeRequestError {
  return new ServeRequestError(message, {
    status: 400,
    type: "invalid_request_error",
    code: "invalid_request",
  });
}

/** The 400 for an input longer than the server's `--max-input-chars` (`code: input_too_long`). */
export function inputTooLong(message: string): ServeRequestError {
  return new ServeRequestError(message, {
    status: 400,
    type: "invalid_request_error",
    code: "input_too_long",
  });
}

/** The 400 for a request body that ended early: the client closed the connection before sending all of it. */
export function incompleteBody(): ServeRequestError {
  return new ServeRequestError(
    "The request body ended before its declared length: the client closed the connection while sending it.",
    { status: 400, type: "invalid_request_error", code: "incomplete_body" },
  );
}

/**
 * The 499 of a request whose client closed the connection (or that the server cut off at shutdown)
 * before its answer was ready: never delivered, but counted as what it is rather than as a 500.
 */
export function clientClosedRequest(cause: unknown): ServeRequestError {
  return new ServeRequestError(
    "The client closed the connection before the answer was ready.",
    { status: 499, type: "invalid_request_error", code: "client_closed_request" },
    { cause },
  );
}

/** The 400 for a request body that is not JSON. */
export function invalidJson(): ServeRequestError {
  return new ServeRequestError("We could not parse the JSON body of your request.", {
    status: 400,
    type: "invalid_request_error",
    code: "invalid_json",
  });
}

/** How much of a client's string an error message repeats at most (a long one is cut, with its length). */
const maxEchoedChars = 100;

/** A client's string as an error message repeats it: cut after 100 characters, saying how long it was. */
export function echoed(text: string): string {
  return text.length <= maxEchoedChars
    ? text
    : `${text.slice(0, maxEchoedChars)}… (${text.length} characters)`;
}

/** The served model names as an error message lists them: `a`, `b`. */
function modelList(servedModels: readonly string[]): string {
  return servedModels.map((name) => `\`${name}\``).join(", ");
}

/** The 404 for a request that names a model this server does not serve; it names those it serves. */
export function modelNotFound(model: string, servedModels: readonly string[]): ServeRequestError {
  return new ServeRequestError(
    `The model \`${echoed(model)}\` does not exist; this server serves ${modelList(servedModels)}.`,
    {
      status: 404,
      type: "invalid_request_error",
      code: "model_not_found",
    },
  );
}

/** The 400 for a request that names no model to a server that serves several. */
export function modelRequired(servedModels: readonly string[]): ServeRequestError {
  return new ServeRequestError(
    `The request names no \`model\`; this server serves several: ${modelList(servedModels)}.`,
    {
      status: 400,
      type: "invalid_request_error",
      code: "model_required",
    },
  );
}
