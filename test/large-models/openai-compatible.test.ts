import { afterEach, describe, expect, it } from "vitest";
import {
  LargeModelAbortedError,
  LargeModelAuthenticationError,
  LargeModelHttpError,
  LargeModelNetworkError,
  LargeModelResponseError,
  LargeModelTimeoutError,
} from "../../src/large-models/errors/index.js";
import { createOpenAICompatibleModel } from "../../src/large-models/openai-compatible-model.js";
import { createRetryingModel } from "../../src/large-models/retrying-model.js";
import type { CompletionRequest } from "../../src/spec/large-model.js";
import { chatCompletionBody, type ScriptedServer, startScriptedServer } from "../support/scripted-server.js";

const request: CompletionRequest = {
  messages: [
    { role: "system", content: "Classify. Labels: 1. a 2. b" },
    { role: "user", content: "some text" },
  ],
  temperature: 0,
  maxTokens: 16,
};

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The retrying model over the connector, with recorded (instant) sleeps. */
function retryingModel(
  baseUrl: string,
  options: { timeoutMs?: number; maxRetries?: number; apiKey?: string } = {},
) {
  const delays: number[] = [];
  const model = createRetryingModel(
    createOpenAICompatibleModel({
      baseUrl,
      model: "test-model",
      apiKey: options.apiKey,
      apiKeyEnv: options.apiKey === undefined ? undefined : "MY_KEY_VAR",
      timeoutMs: options.timeoutMs ?? 5_000,
    }),
    {
      maxRetries: options.maxRetries ?? 3,
      baseDelayMs: 1,
      random: () => 0,
      sleep: async (milliseconds) => {
        delays.push(milliseconds);
      },
    },
  );
  return { model, delays };
}

describe("the OpenAI-compatible connector against a scripted HTTP server", () => {
  it("sends the chat request and parses text and usage", async () => {
    server = await startScriptedServer([{ status: 200, body: chatCompletionBody("a") }]);
    const model = createOpenAICompatibleModel({
      baseUrl: `${server.origin}/v1`,
      model: "test-model",
      apiKey: "sk-1",
    });
    const completion = await model.complete(request);
    expect(completion).toEqual({
      text: "a",
      usage: { promptTokens: 12, completionTokens: 3 },
      cached: false,
    });
    expect(model.id).toBe("openai-compatible:test-model");
    const received = server.requests[0]!;
    expect(received.url).toBe("/v1/chat/completions");
    expect(received.headers.authorization).toBe("Bearer sk-1");
    const body = JSON.parse(received.body);
    expect(body).toMatchObject({
      model: "test-model",
      temperature: 0,
      max_tokens: 16,
      messages: request.messages,
    });
  });

  it("sends no Authorization header when no key is given", async () => {
    server = await startScriptedServer([{ status: 200, body: chatCompletionBody("a") }]);
    const model = createOpenAICompatibleModel({ baseUrl: `${server.origin}/v1`, model: "m" });
    await model.complete(request);
    expect(server.requests[0]!.headers.authorization).toBeUndefined();
  });

  it("estimates usage when the server sends none", async () => {
    const body = { choices: [{ index: 0, message: { role: "assistant", content: "b" } }] };
    server = await startScriptedServer([{ status: 200, body }]);
    const model = createOpenAICompatibleModel({ baseUrl: `${server.origin}/v1`, model: "m" });
    const completion = await model.complete(request);
    expect(completion.text).toBe("b");
    expect(completion.usage.promptTokens).toBeGreaterThan(0);
  });

  it("honours a 429's Retry-After (seconds) and then succeeds", async () => {
    server = await startScriptedServer([
      { status: 429, headers: { "retry-after": "2" }, body: { error: { message: "slow down" } } },
      { status: 200, body: chatCompletionBody("a") },
    ]);
    const { model, delays } = retryingModel(`${server.origin}/v1`);
    const completion = await model.complete(request);
    expect(completion.text).toBe("a");
    expect(server.requests).toHaveLength(2);
    expect(delays).toEqual([2000]);
  });

  it("prefers retry-after-ms and reads Retry-After given as an HTTP date", async () => {
    const inThreeSeconds = new Date(Date.now() + 3_000).toUTCString();
    server = await startScriptedServer([
      { status: 429, headers: { "retry-after-ms": "150", "retry-after": "9" }, body: {} },
      { status: 503, headers: { "retry-after": inThreeSeconds }, body: {} },
      { status: 200, body: chatCompletionBody("a") },
    ]);
    const { model, delays } = retryingModel(`${server.origin}/v1`);
    await model.complete(request);
    expect(delays[0]).toBe(150);
    expect(delays[1]).toBeGreaterThan(1_000);
    expect(delays[1]).toBeLessThanOrEqual(3_000);
  });

  it("retries a 500 with exponential backoff, then succeeds", async () => {
    server = await startScriptedServer([
      { status: 500, body: {} },
      { status: 502, body: {} },
      { status: 200, body: chatCompletionBody("b") },
    ]);
    const { model, delays } = retryingModel(`${server.origin}/v1`);
    expect((await model.complete(request)).text).toBe("b");
    expect(server.requests).toHaveLength(3);
    expect(delays).toEqual([1, 2]);
  });

  it("gives up after maxRetries with a retryable LargeModelHttpError carrying the status", async () => {
    server = await startScriptedServer([], { status: 503, body: { error: { message: "overloaded" } } });
    const { model } = retryingModel(`${server.origin}/v1`, { maxRetries: 2 });
    const error = await model.complete(request).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LargeModelHttpError);
    expect((error as LargeModelHttpError).status).toBe(503);
    expect((error as LargeModelHttpError).isRetryable).toBe(true);
    expect(server.requests).toHaveLength(3);
  });

  it("does not retry a 400", async () => {
    server = await startScriptedServer([{ status: 400, body: { error: { message: "bad" } } }]);
    const { model } = retryingModel(`${server.origin}/v1`);
    const error = await model.complete(request).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LargeModelHttpError);
    expect((error as LargeModelHttpError).isRetryable).toBe(false);
    expect(server.requests).toHaveLength(1);
  });

  it("re-spells the request once when a newer model refuses max_tokens or the temperature", async () => {
    const refusal = (param: string, message: string) => ({
      status: 400,
      body: { error: { message, type: "invalid_request_error", param, code: "unsupported_parameter" } },
    });
    server = await startScriptedServer([
      refusal(
        "max_tokens",
        "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      ),
      refusal("temperature", "Unsupported value: 'temperature' does not support 0 with this model."),
      { status: 200, body: chatCompletionBody("a") },
      { status: 200, body: chatCompletionBody("b") },
    ]);
    let httpRequests = 0;
    const model = createOpenAICompatibleModel({
      baseUrl: `${server.origin}/v1`,
      model: "o-model",
      onHttpRequest: () => {
        httpRequests += 1;
      },
    });
    expect((await model.complete(request)).text).toBe("a");
    const bodies = server.requests.map((received) => JSON.parse(received.body));
    expect(bodies[0]).toMatchObject({ max_tokens: 16, temperature: 0 });
    expect(bodies[1]).toMatchObject({ max_completion_tokens: 16, temperature: 0 });
    expect(bodies[1]).not.toHaveProperty("max_tokens");
    expect(bodies[2]).toMatchObject({ max_completion_tokens: 16 });
    expect(bodies[2]).not.toHaveProperty("temperature");
    expect(httpRequests).toBe(3);
    // The model keeps the spelling it learnt: the next call goes out right the first time.
    expect((await model.complete(request)).text).toBe("b");
    expect(server.requests).toHaveLength(4);
    expect(JSON.parse(server.requests[3]!.body)).not.toHaveProperty("max_tokens");
  });

  it("does not re-spell a request for a 400 about anything else, nor twice for the same parameter", async () => {
    const refusal = {
      status: 400,
      body: { error: { message: "Use 'max_completion_tokens' instead.", param: "max_tokens" } },
    };
    server = await startScriptedServer([refusal, refusal, { status: 200, body: chatCompletionBody("a") }]);
    const model = createOpenAICompatibleModel({ baseUrl: `${server.origin}/v1`, model: "m" });
    const error = await model.complete(request).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LargeModelHttpError);
    expect((error as LargeModelHttpError).message).toContain("max_completion_tokens");
    expect(server.requests).toHaveLength(2);
  });

  it("times out a hanging server, retries, and succeeds", async () => {
    server = await startScriptedServer(["hang", { status: 200, body: chatCompletionBody("a") }]);
    const { model } = retryingModel(`${server.origin}/v1`, { timeoutMs: 200 });
    expect((await model.complete(request)).text).toBe("a");
    expect(server.requests).toHaveLength(2);
  });

  it("reports a LargeModelTimeoutError when every attempt hangs", async () => {
    server = await startScriptedServer([], "hang");
    const { model } = retryingModel(`${server.origin}/v1`, { timeoutMs: 100, maxRetries: 1 });
    const error = await model.complete(request).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LargeModelTimeoutError);
    expect(server.requests).toHaveLength(2);
  });

  it("reports malformed JSON as a LargeModelResponseError, without retrying", async () => {
    server = await startScriptedServer([{ status: 200, rawBody: '{"choices": [' }]);
    const { model } = retryingModel(`${server.origin}/v1`);
    const error = await model.complete(request).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LargeModelResponseError);
    expect(server.requests).toHaveLength(1);
  });

  it("reports a body of the wrong shape as a LargeModelResponseError", async () => {
    server = await startScriptedServer([{ status: 200, body: { choices: [] } }]);
    const { model } = retryingModel(`${server.origin}/v1`);
    await expect(model.complete(request)).rejects.toBeInstanceOf(LargeModelResponseError);
  });

  it("does not retry a 401 and names the environment variable that held the key", async () => {
    server = await startScriptedServer([{ status: 401, body: { error: { message: "Incorrect API key" } } }]);
    const { model } = retryingModel(`${server.origin}/v1`, { apiKey: "sk-wrong" });
    const error = await model.complete(request).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LargeModelAuthenticationError);
    expect((error as Error).message).toContain("MY_KEY_VAR");
    expect((error as Error).message).toContain("not retried");
    expect((error as LargeModelAuthenticationError).isUserError).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it("treats 403 as an authentication failure too", async () => {
    server = await startScriptedServer([{ status: 403, body: {} }]);
    const { model } = retryingModel(`${server.origin}/v1`);
    await expect(model.complete(request)).rejects.toBeInstanceOf(LargeModelAuthenticationError);
    expect(server.requests).toHaveLength(1);
  });

  it("retries a dropped connection as a network error", async () => {
    server = await startScriptedServer(["destroy", { status: 200, body: chatCompletionBody("a") }]);
    const { model } = retryingModel(`${server.origin}/v1`);
    expect((await model.complete(request)).text).toBe("a");
    expect(server.requests).toHaveLength(2);
  });

  it("reports a refused connection as a retryable LargeModelNetworkError", async () => {
    server = await startScriptedServer([]);
    const origin = server.origin;
    await server.close();
    server = undefined;
    const { model, delays } = retryingModel(`${origin}/v1`, { maxRetries: 1 });
    const error = await model.complete(request).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LargeModelNetworkError);
    expect((error as LargeModelNetworkError).isRetryable).toBe(true);
    expect((error as Error).message).toContain(`${origin}/v1`);
    expect((error as Error).message).toContain("ECONNREFUSED");
    expect(delays).toHaveLength(1);
  });

  it("stops a call when the caller's signal aborts, without retrying", async () => {
    server = await startScriptedServer([], "hang");
    const { model } = retryingModel(`${server.origin}/v1`, { timeoutMs: 10_000 });
    const controller = new AbortController();
    const pending = model.complete(request, { signal: controller.signal });
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(LargeModelAbortedError);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.requests).toHaveLength(1);
  });

  it("counts every HTTP request through an injected fetch", async () => {
    server = await startScriptedServer([
      { status: 500, body: {} },
      { status: 200, body: chatCompletionBody("a") },
    ]);
    let calls = 0;
    const model = createRetryingModel(
      createOpenAICompatibleModel({
        baseUrl: `${server.origin}/v1`,
        model: "m",
        fetch: (input, init) => {
          calls++;
          return fetch(input, init);
        },
      }),
      { baseDelayMs: 1 },
    );
    await model.complete(request);
    expect(calls).toBe(2);
  });
});
