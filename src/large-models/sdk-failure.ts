import type { CallSignal } from "./call-signal.js";
import { LargeModelAbortedError } from "./errors/large-model-aborted-error.js";
import { LargeModelAuthenticationError } from "./errors/large-model-authentication-error.js";
import { LargeModelHttpError } from "./errors/large-model-http-error.js";
import { LargeModelNetworkError } from "./errors/large-model-network-error.js";
import { LargeModelResponseError } from "./errors/large-model-response-error.js";
import { LargeModelTimeoutError } from "./errors/large-model-timeout-error.js";
import { parseRetryAfter } from "./retry-after.js";

/** What went wrong in an LM call, independent of which SDK (or plain HTTP client) made it. */
export type SdkFailure =
  | {
      kind: "status";
      status: number;
      headers: { get(name: string): string | null } | undefined;
      message: string;
    }
  | { kind: "aborted" }
  | { kind: "connection"; message: string }
  | { kind: "malformed"; message: string }
  | { kind: "unknown" };

/** The error classes that both SDKs (openai, @anthropic-ai/sdk) export under the same names. */
export interface SdkErrorClasses {
  APIUserAbortError: abstract new (...args: never[]) => Error;
  APIConnectionError: abstract new (...args: never[]) => Error;
  APIError: abstract new (
    ...args: never[]
  ) => Error & { readonly status: number | undefined; readonly headers: Headers | undefined };
}

/** Classifies what an SDK call threw, by the SDK's own error classes. */
export function classifySdkError(sdk: SdkErrorClasses, error: unknown): SdkFailure {
  if (error instanceof sdk.APIUserAbortError) return { kind: "aborted" };
  if (error instanceof sdk.APIConnectionError) return { kind: "connection", message: error.message };
  if (error instanceof sdk.APIError && typeof error.status === "number") {
    return { kind: "status", status: error.status, headers: error.headers, message: error.message };
  }
  if (error instanceof SyntaxError) return { kind: "malformed", message: `invalid JSON (${error.message})` };
  return { kind: "unknown" };
}

/** Turns a classified SDK failure into the typed large-model error the rest of easy-adapt handles. */
export function toLargeModelError(
  failure: SdkFailure,
  cause: unknown,
  context: { callSignal: CallSignal; timeoutMs: number; apiKeyEnv: string | undefined; baseUrl: string },
): unknown {
  if (context.callSignal.timedOut()) return new LargeModelTimeoutError(context.timeoutMs, { cause });
  if (context.callSignal.callerAborted()) return new LargeModelAbortedError({ cause });
  switch (failure.kind) {
    case "status":
      if (failure.status === 401 || failure.status === 403) {
        return new LargeModelAuthenticationError({
          status: failure.status,
          apiKeyEnv: context.apiKeyEnv,
          serverMessage: failure.message,
        });
      }
      return new LargeModelHttpError(
        failure.message,
        { status: failure.status, retryAfterMs: parseRetryAfter(failure.headers) },
        { cause },
      );
    case "aborted":
      return new LargeModelAbortedError({ cause });
    case "connection": {
      const code = errorCode(cause);
      const reason = failure.message.replace(/\.$/, "");
      return new LargeModelNetworkError(
        `${context.baseUrl}: ${reason}${code === undefined ? "" : ` (${code})`}`,
        {
          cause,
        },
      );
    }
    case "malformed":
      return new LargeModelResponseError(failure.message, { cause });
    case "unknown":
      return cause;
  }
}

/** The first system error code (ECONNREFUSED, ENOTFOUND, ...) along an error's cause chain, else its deepest message. */
function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  let deepestMessage: string | undefined;
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    if ("code" in current && typeof current.code === "string") return current.code;
    if (depth > 0 && current.message !== "") deepestMessage = current.message;
    current = current.cause;
  }
  return deepestMessage;
}
