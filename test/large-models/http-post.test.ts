import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { LargeModelNetworkError, LargeModelResponseError } from "../../src/large-models/errors/index.js";
import { createOpenAICompatibleModel } from "../../src/large-models/openai-compatible-model.js";
import { createRetryingModel } from "../../src/large-models/retrying-model.js";
import type { CompletionRequest } from "../../src/spec/large-model.js";
import { chatCompletionBody } from "../support/scripted-server.js";

const request: CompletionRequest = {
  messages: [
    { role: "system", content: "Classify. Labels: 1. a 2. b" },
    { role: "user", content: "some text" },
  ],
  temperature: 0,
  maxTokens: 16,
};

interface SeenRequest {
  remotePort: number | undefined;
  headers: IncomingMessage["headers"];
}

let server: Server | undefined;
afterEach(async () => {
  const closing = server;
  server = undefined;
  if (closing === undefined) return;
  closing.closeAllConnections();
  await new Promise<void>((resolve) => closing.close(() => resolve()));
});

/** A loopback server that records which client port each request came from and answers with `answer`. */
async function startServer(
  answer: (response: ServerResponse, index: number) => void,
): Promise<{ baseUrl: string; seen: SeenRequest[] }> {
  const seen: SeenRequest[] = [];
  server = createServer((incoming, response) => {
    incoming.resume();
    incoming.on("end", () => {
      seen.push({ remotePort: incoming.socket.remotePort, headers: incoming.headers });
      answer(response, seen.length - 1);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}/v1`, seen };
}

const json = (response: ServerResponse, body: unknown, headers: Record<string, string> = {}) => {
  response.writeHead(200, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify(body));
};

describe("the OpenAI-compatible connector's own HTTP client (node:http, no fetch injected)", () => {
  it("reuses one keep-alive connection for consecutive calls and counts every request", async () => {
    const { baseUrl, seen } = await startServer((response) => json(response, chatCompletionBody("a")));
    let requests = 0;
    const model = createOpenAICompatibleModel({
      baseUrl,
      model: "m",
      onHttpRequest: () => {
        requests += 1;
      },
    });
    for (let call = 0; call < 3; call += 1) expect((await model.complete(request)).text).toBe("a");
    expect(requests).toBe(3);
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((entry) => entry.remotePort)).size).toBe(1);
    expect(seen[0]?.headers.connection).toBe("keep-alive");
    expect(seen[0]?.headers["content-type"]).toBe("application/json");
  });

  it("counts retried requests through onHttpRequest", async () => {
    const { baseUrl } = await startServer((response, index) => {
      if (index === 0) {
        response.writeHead(503, { "content-type": "application/json" });
        response.end("{}");
      } else json(response, chatCompletionBody("b"));
    });
    let requests = 0;
    const model = createRetryingModel(
      createOpenAICompatibleModel({
        baseUrl,
        model: "m",
        onHttpRequest: () => {
          requests += 1;
        },
      }),
      { baseDelayMs: 1 },
    );
    expect((await model.complete(request)).text).toBe("b");
    expect(requests).toBe(2);
  });

  it("reads a gzip-encoded reply", async () => {
    const { baseUrl } = await startServer((response) => {
      response.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      response.end(gzipSync(JSON.stringify(chatCompletionBody("a"))));
    });
    const model = createOpenAICompatibleModel({ baseUrl, model: "m" });
    expect((await model.complete(request)).text).toBe("a");
  });

  it("reports a reply in an unknown encoding as a malformed response", async () => {
    const { baseUrl } = await startServer((response) => {
      response.writeHead(200, { "content-type": "application/json", "content-encoding": "zstd-x" });
      response.end("????");
    });
    const model = createOpenAICompatibleModel({ baseUrl, model: "m" });
    await expect(model.complete(request)).rejects.toBeInstanceOf(LargeModelResponseError);
  });

  it("reports a reply cut off mid-body as a retryable network error", async () => {
    const { baseUrl } = await startServer((response) => {
      response.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
      response.write('{"choices": [');
      setTimeout(() => response.socket?.destroy(), 20);
    });
    const model = createOpenAICompatibleModel({ baseUrl, model: "m" });
    const error = await model.complete(request).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LargeModelNetworkError);
    expect((error as LargeModelNetworkError).isRetryable).toBe(true);
  });

  it("sends the whole prompt and reads the usage the server reports", async () => {
    const { baseUrl } = await startServer((response) =>
      json(response, chatCompletionBody("b", { prompt_tokens: 40, completion_tokens: 2 })),
    );
    const model = createOpenAICompatibleModel({ baseUrl, model: "m", apiKey: "sk-9" });
    const completion = await model.complete(request);
    expect(completion).toEqual({
      text: "b",
      usage: { promptTokens: 40, completionTokens: 2 },
      cached: false,
    });
  });
});
