import { LargeModelAuthenticationError } from "../large-models/errors/large-model-authentication-error.js";
import { ServeRequestError } from "../spec/errors/serve-request-error.js";

/** True for an error that means the upstream LLM refused our credentials. */
export function isUpstreamAuthenticationError(error: unknown): boolean {
  return error instanceof LargeModelAuthenticationError;
}

/** The 502 the server answers when the upstream LLM refuses its credentials. */
export function upstreamAuthenticationError(cause: unknown): ServeRequestError {
  return new ServeRequestError(
    "The upstream language model refused this server's credentials; check the API key the server was started with.",
    { status: 502, type: "upstream_error", code: "upstream_authentication_failed" },
    { cause },
  );
}
