import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** What the scripted server does with one request. */
export type ScriptedResponse =
  | { status: number; headers?: Record<string, string>; body?: unknown }
  | { status: number; headers?: Record<string, string>; rawBody: string }
  /** Never answers (the client must time out). */
  | "hang"
  /** Closes the connection without a response. */
  | "destroy";

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export interface ScriptedServer {
  /** e.g. "http://127.0.0.1:40123" */
  origin: string;
  /** Requests received so far, in order. */
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

/**
 * A real node:http server on loopback whose responses a test scripts: the n-th request gets
 * `script[n]`; once the script runs out, `fallback` (default a 500) answers.
 */
export async function startScriptedServer(
  script: ScriptedResponse[],
  fallback: ScriptedResponse | ((request: ReceivedRequest) => ScriptedResponse) = { status: 500, body: {} },
): Promise<ScriptedServer> {
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const received: ReceivedRequest = {
        method: request.method ?? "",
        url: request.url ?? "",
        headers: request.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      const index = requests.length;
      requests.push(received);
      const step = script[index] ?? (typeof fallback === "function" ? fallback(received) : fallback);
      if (step === "hang") return;
      if (step === "destroy") {
        request.socket.destroy();
        return;
      }
      const text = "rawBody" in step ? step.rawBody : JSON.stringify(step.body ?? {});
      response.writeHead(step.status, { "content-type": "application/json", ...step.headers });
      response.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An OpenAI chat.completion body answering `content`. */
export function chatCompletionBody(content: string, usage = { prompt_tokens: 12, completion_tokens: 3 }) {
  return {
    id: "chatcmpl-test",
    object: "chat.completion",
    created: 1,
    model: "test-model",
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  };
}

/** An Anthropic Messages body answering `text`. */
export function anthropicMessageBody(text: string, usage = { input_tokens: 20, output_tokens: 4 }) {
  return {
    id: "msg_test",
    type: "message",
    role: "assistant",
    model: "claude-test",
    content: [{ type: "text", text }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage,
  };
}
