import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAnswerCache } from "../../src/large-models/answer-cache.js";
import { createCachedModel } from "../../src/large-models/cached-model.js";
import { requestKey } from "../../src/large-models/request-key.js";
import { ArtifactError } from "../../src/spec/errors/artifact-error.js";
import type { CompletionRequest, LargeModel } from "../../src/spec/large-model.js";

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), "lm-cache-"));
});
afterEach(() => rmSync(folder, { recursive: true, force: true }));

const request = (text: string): CompletionRequest => ({
  messages: [
    { role: "system", content: "Labels: a, b" },
    { role: "user", content: text },
  ],
  temperature: 0,
  maxTokens: 8,
});

function countingModel(id = "openai-compatible:m"): LargeModel & { calls: number; failNext: boolean } {
  const model = {
    id,
    calls: 0,
    failNext: false,
    async complete(completionRequest: CompletionRequest) {
      model.calls++;
      if (model.failNext) {
        model.failNext = false;
        throw new Error("server error");
      }
      const text = completionRequest.messages.at(-1)?.content ?? "";
      return { text: `answer to ${text}`, usage: { promptTokens: 5, completionTokens: 2 }, cached: false };
    },
  };
  return model;
}

describe("the SQLite answer cache", () => {
  it("stores answers in a WAL-mode file keyed by model id and request, across reopenings", () => {
    const path = join(folder, "nested", "cache.sqlite");
    const cache = createAnswerCache(path);
    cache.put("m1", requestKey(request("x")), { text: "a", usage: { promptTokens: 3, completionTokens: 1 } });
    expect(cache.get("m1", requestKey(request("x")))).toEqual({
      text: "a",
      usage: { promptTokens: 3, completionTokens: 1 },
    });
    expect(cache.get("m2", requestKey(request("x")))).toBeUndefined();
    expect(cache.has("m1", requestKey(request("y")))).toBe(false);
    cache.close();

    const reopened = createAnswerCache(path);
    expect(reopened.get("m1", requestKey(request("x")))?.text).toBe("a");
    expect(reopened.size()).toBe(1);
    reopened.close();
    const database = new Database(path, { readonly: true });
    expect(database.pragma("journal_mode", { simple: true })).toBe("wal");
    database.close();
  });

  it("answers a repeated request from the cache (cached: true) without calling the model", async () => {
    const cache = createAnswerCache(join(folder, "cache.sqlite"));
    const inner = countingModel();
    let hits = 0;
    const model = createCachedModel(inner, cache, { onHit: () => hits++ });
    const first = await model.complete(request("x"));
    const second = await model.complete(request("x"));
    expect(first).toEqual({
      text: "answer to x",
      usage: { promptTokens: 5, completionTokens: 2 },
      cached: false,
    });
    expect(second).toEqual({ ...first, cached: true });
    expect(inner.calls).toBe(1);
    expect(hits).toBe(1);
    await model.complete({ ...request("x"), maxTokens: 9 });
    expect(inner.calls).toBe(2);
    cache.close();
  });

  it("keys by model id: another model does not reuse the answers", async () => {
    const cache = createAnswerCache(join(folder, "cache.sqlite"));
    const first = countingModel("openai-compatible:one");
    const second = countingModel("openai-compatible:two");
    await createCachedModel(first, cache).complete(request("x"));
    await createCachedModel(second, cache).complete(request("x"));
    expect(second.calls).toBe(1);
    cache.close();
  });

  it("never caches an error", async () => {
    const cache = createAnswerCache(join(folder, "cache.sqlite"));
    const inner = countingModel();
    const model = createCachedModel(inner, cache);
    inner.failNext = true;
    await expect(model.complete(request("x"))).rejects.toThrow("server error");
    expect(cache.size()).toBe(0);
    expect((await model.complete(request("x"))).cached).toBe(false);
    expect(inner.calls).toBe(2);
    cache.close();
  });

  it("refuses a file that is not a SQLite database with an ArtifactError naming it", () => {
    const path = join(folder, "not-a-cache.sqlite");
    writeFileSync(
      path,
      "this is not sqlite at all, just some text that is long enough to look like a header",
    );
    expect(() => createAnswerCache(path)).toThrow(ArtifactError);
    expect(() => createAnswerCache(path)).toThrow(path);
  });
});
