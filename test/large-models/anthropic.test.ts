import { afterEach, describe, expect, it } from "vitest";
import { createAnthropicModel } from "../../src/large-models/anthropic-model.js";
import {
  LargeModelAuthenticationError,
  LargeModelResponseError,
} from "../../src/large-models/errors/index.js";
import { createRetryingModel } from "../../src/large-models/retrying-model.js";
import type { CompletionRequest } from "../../src/spec/large-model.js";
import {
  anthropicMessageBody,
  type ScriptedServer,
  startScriptedServer,
} from "../support/scripted-server.js";

const request: CompletionRequest = {
  messages: [
    { role: "system", content: "Classify. Labels: 1. a 2. b" },
    { role: "user", content: "example" },
    { role: "assistant", content: "a" },
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

describe("the Anthropic Messages connector against a scripted HTTP server", () => {
  it("sends system apart from the messages, with the key in x-api-key, and parses the answer", async () => {
    server = await startScriptedServer([{ status: 200, body: anthropicMessageBody("b") }]);
    const model = createAnthropicModel({ baseUrl: server.origin, model: "claude-test", apiKey: "sk-ant" });
    const completion = await model.complete(request);
    expect(completion).toEqual({
      text: "b",
      usage: { promptTokens: 20, completionTokens: 4 },
      cached: false,
    });
    expect(model.id).toBe("anthropic:claude-test");
    const received = server.requests[0]!;
    expect(received.url).toBe("/v1/messages");
    expect(received.headers["x-api-key"]).toBe("sk-ant");
    const body = JSON.parse(received.body);
    expect(body.system).toBe("Classify. Labels: 1. a 2. b");
    expect(body.messages).toEqual(request.messages.slice(1));
    expect(body).toMatchObject({ model: "claude-test", max_tokens: 16, temperature: 0 });
  });

  it("retries a 529 overload and then succeeds", async () => {
    server = await startScriptedServer([
      { status: 529, body: { type: "error", error: { type: "overloaded_error", message: "busy" } } },
      { status: 200, body: anthropicMessageBody("a") },
    ]);
    const model = createRetryingModel(
      createAnthropicModel({ baseUrl: server.origin, model: "claude-test", apiKey: "k" }),
      { baseDelayMs: 1 },
    );
    expect((await model.complete(request)).text).toBe("a");
    expect(server.requests).toHaveLength(2);
  });

  it("does not retry a 401 and names the key's environment variable", async () => {
    server = await startScriptedServer([
      { status: 401, body: { type: "error", error: { message: "invalid x-api-key" } } },
    ]);
    const model = createRetryingModel(
      createAnthropicModel({
        baseUrl: server.origin,
        model: "c",
        apiKey: "bad",
        apiKeyEnv: "ANTHROPIC_KEY_FOR_TEST",
      }),
      { baseDelayMs: 1 },
    );
    const error = await model.complete(request).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LargeModelAuthenticationError);
    expect((error as Error).message).toContain("ANTHROPIC_KEY_FOR_TEST");
    expect(server.requests).toHaveLength(1);
  });

  it("reports malformed JSON as a LargeModelResponseError", async () => {
    server = await startScriptedServer([{ status: 200, rawBody: "{not json" }]);
    const model = createAnthropicModel({ baseUrl: server.origin, model: "c", apiKey: "k" });
    await expect(model.complete(request)).rejects.toBeInstanceOf(LargeModelResponseError);
  });
});
