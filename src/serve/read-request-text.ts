import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context } from "hono";
import { ServeRequestError } from "../spec/errors/serve-request-error.js";
import { incompleteBody } from "./openai/request-errors.js";

/**
 * The request body as text, at most `maxBytes` long (else a 413). Under @hono/node-server it reads
 * the Node request directly, skipping the web-stream conversion; elsewhere (`app.request()` in
 * tests) it reads the standard Request.
 */
export function readRequestText(context: Context, maxBytes: number): Promise<string> {
  const incoming = nodeIncoming(context);
  if (incoming === undefined || incoming.readableDidRead) return context.req.raw.text();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanUp();
        incoming.resume();
        reject(bodyTooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanUp();
      resolve(
        chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks, size).toString("utf8"),
      );
    };
    // A client that goes away mid-body ends the stream without "end" (with "error" "aborted" or
    // just "close"): the request's fault, a 400, not a failure of the server.
    const onError = () => {
      cleanUp();
      reject(incompleteBody());
    };
    const onClose = () => {
      cleanUp();
      reject(incompleteBody());
    };
    const cleanUp = () => {
      incoming.off("data", onData);
      incoming.off("end", onEnd);
      incoming.off("error", onError);
      incoming.off("close", onClose);
    };
    incoming.on("data", onData);
    incoming.on("end", onEnd);
    incoming.on("error", onError);
    incoming.on("close", onClose);
  });
}

/** An AbortSignal that fires when the client goes away before its answer is sent (also if it already has). */
export function clientAbortSignal(context: Context): AbortSignal {
  const outgoing = (context.env as { outgoing?: unknown } | undefined)?.outgoing;
  if (outgoing === undefined || !isEventSource(outgoing)) return context.req.raw.signal;
  const response = outgoing as ServerResponse;
  const controller = new AbortController();
  if (response.destroyed && !response.writableFinished) controller.abort();
  else {
    response.once("close", () => {
      if (!response.writableFinished) controller.abort();
    });
  }
  return controller.signal;
}

export function bodyTooLarge(maxBytes: number): ServeRequestError {
  return new ServeRequestError(`Request body too large: the limit is ${maxBytes} bytes.`, {
    status: 413,
    type: "invalid_request_error",
    code: "request_too_large",
  });
}

/** The Node request under @hono/node-server, else undefined. */
export function nodeIncoming(context: Context): IncomingMessage | undefined {
  const incoming = (context.env as { incoming?: unknown } | undefined)?.incoming;
  return incoming !== undefined && isEventSource(incoming) ? (incoming as IncomingMessage) : undefined;
}

function isEventSource(value: unknown): value is { once(event: string, listener: () => void): unknown } {
  return (
    typeof value === "object" && value !== null && typeof (value as { once?: unknown }).once === "function"
  );
}
