import type { Context } from "hono";
import { clientAbortSignal } from "../read-request-text.js";

/** A getter that creates the request's client-abort signal once, on first use (only LM calls need it). */
export function abortSignalOf(context: Context): () => AbortSignal {
  let signal: AbortSignal | undefined;
  return () => {
    signal ??= clientAbortSignal(context);
    return signal;
  };
}
