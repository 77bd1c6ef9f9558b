/**
 * The API-key check of the `/v1/*` endpoints: `Authorization: Bearer <key>`, compared in constant
 * time. Hono's `bearerAuth` is not used: it accepts only token68 characters, answers a malformed
 * header with a 400 and adds `WWW-Authenticate`, where this server answers the OpenAI 401 bodies.
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { ServeRequestError } from "../../spec/errors/serve-request-error.js";
import { bearerToken, createApiKeyCheck } from "../api-key-check.js";
import { nodeIncoming } from "../read-request-text.js";

/**
 * Refuses, with a 401 in the OpenAI error format, a request whose `Authorization` header does not
 * carry `apiKey` as a bearer token. Under @hono/node-server the header is read from the Node request.
 */
export function requireApiKey(apiKey: string): MiddlewareHandler {
  const checkApiKey = createApiKeyCheck(apiKey);
  return (context, next) => {
    const incoming = nodeIncoming(context);
    checkAuthorization(
      checkApiKey,
      incoming === undefined ? context.req.header("authorization") : incoming.headers.authorization,
    );
    return next();
  };
}

/** Throws the 401 when `authorization` does not carry the key `checkApiKey` expects. */
function checkAuthorization(
  checkApiKey: (presentedKey: string | undefined) => boolean,
  authorization: string | undefined,
): void {
  const presented = bearerToken(authorization);
  if (presented === undefined) {
    throw new ServeRequestError("Missing API key: send it as `Authorization: Bearer <key>`.", {
      status: 401,
      type: "invalid_request_error",
      code: "missing_api_key",
    });
  }
  if (!checkApiKey(presented)) {
    throw new ServeRequestError("Incorrect API key provided.", {
      status: 401,
      type: "invalid_request_error",
      code: "invalid_api_key",
    });
  }
}
