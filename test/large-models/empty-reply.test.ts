import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAnswerCache } from "../../src/large-models/answer-cache.js";
import { createAnthropicModel } from "../../src/large-models/anthropic-model.js";
import { createCachedModel } from "../../src/large-models/cached-model.js";
import { createOpenAICompatibleModel } from "../../src/large-models/openai-compatible-model.js";
import { requestKey } from "../../src/large-models/request-key.js";
import type { CompletionRequest, LargeModel } from "../../src/spec/large-model.js";
import {
  anthropicMessageBody,
  chatCompletionBody,
  type ScriptedServer,
  startScriptedServer,
} from "../support/scripted-server.js";

const request: CompletionRequest = {
  messages: [
    { role: "system", content: "Classify. Labels: a, b" },
    { role: "user", content: "some text" },
  ],
  temperature: 0,
  maxTokens: 8,
};

let folder: string;
let server: ScriptedServer | undefined;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), "empty-reply-"));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  rmSync(folder, { recursive: true, force: true });
});

const openAiEmpty = (content: string | null) => {
  const body = chatCompletionBody("x");
  return { ...body, choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }] };
};

const cases: Array<{
  name: string;
  empty: unknown;
  answer: unknown;
  connect: (origin: string) => LargeModel;
}> = [
  {
    name: "OpenAI-compatible, content: null",
    empty: openAiEmpty(null),
    answer: chatCompletionBody("a"),
    connect: (origin) => createOpenAICompatibleModel({ baseUrl: `${origin}/v1`, model: "m" }),
  },
  {
    name: 'OpenAI-compatible, content: ""',
    empty: openAiEmpty(""),
    answer: chatCompletionBody("a"),
    connect: (origin) => createOpenAICompatibleModel({ baseUrl: `${origin}/v1`, model: "m" }),
  },
  {
    name: "Anthropic, no text block",
    empty: { content: [], usage: { input_tokens: 4, output_tokens: 0 } },
    answer: anthropicMessageBody("a"),
    connect: (origin) => createAnthropicModel({ baseUrl: origin, model: "c", apiKey: "k" }),
  },
];

describe("an empty reply from the LM", () => {
  for (const testCase of cases) {
    it(`is returned but not cached: the next identical call goes upstream again (${testCase.name})`, async () => {
      server = await startScriptedServer([
        { status: 200, body: testCase.empty },
        { status: 200, body: testCase.answer },
      ]);
      const cache = createAnswerCache(join(folder, "cache.sqlite"));
      let empty = 0;
      const model = createCachedModel(testCase.connect(server.origin), cache, {
        onEmptyReply: () => empty++,
      });
      expect((await model.complete(request)).text).toBe("");
      expect(cache.size()).toBe(0);
      expect(empty).toBe(1);
      const second = await model.complete(request);
      expect(second).toMatchObject({ text: "a", cached: false });
      expect(server.requests).toHaveLength(2);
      expect((await model.complete(request)).cached).toBe(true);
      expect(server.requests).toHaveLength(2);
      cache.close();
    });
  }

  it("stored empty by an older version, is asked again rather than answered from the cache", async () => {
    server = await startScriptedServer([{ status: 200, body: chatCompletionBody("b") }]);
    const cache = createAnswerCache(join(folder, "cache.sqlite"));
    const inner = createOpenAICompatibleModel({ baseUrl: `${server.origin}/v1`, model: "m" });
    cache.put(inner.id, requestKey(request), { text: "", usage: { promptTokens: 1, completionTokens: 0 } });
    const completion = await createCachedModel(inner, cache).complete(request);
    expect(completion).toMatchObject({ text: "b", cached: false });
    expect(server.requests).toHaveLength(1);
    expect(cache.get(inner.id, requestKey(request))?.text).toBe("b");
    cache.close();
  });
});
