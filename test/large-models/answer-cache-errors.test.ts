import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAnswerCache } from "../../src/large-models/answer-cache.js";
import { createCachedModel } from "../../src/large-models/cached-model.js";
import { AnswerCacheError } from "../../src/large-models/errors/index.js";
import { EasyAdaptError } from "../../src/spec/errors/easy-adapt-error.js";
import type { CompletionRequest, LargeModel } from "../../src/spec/large-model.js";

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), "cache-errors-"));
});
afterEach(() => rmSync(folder, { recursive: true, force: true }));

const request = (text: string): CompletionRequest => ({
  messages: [{ role: "user", content: text }],
  temperature: 0,
  maxTokens: 8,
});

function countingModel(): LargeModel & { calls: number } {
  const model = {
    id: "openai-compatible:m",
    calls: 0,
    async complete() {
      model.calls += 1;
      return { text: "a", usage: { promptTokens: 1, completionTokens: 1 }, cached: false };
    },
  };
  return model;
}

/** A real cache file with many answers, closed (checkpointed), for a test to damage. */
function filledCache(name: string): string {
  const path = join(folder, name);
  const cache = createAnswerCache(path);
  for (let index = 0; index < 3_000; index += 1) {
    cache.put("m", `k${index}`, {
      text: `answer ${index} ${"x".repeat(60)}`,
      usage: { promptTokens: 1, completionTokens: 1 },
    });
  }
  cache.close();
  return path;
}

/** Each way of breaking the file, and whether SQLite notices when opening it or only when reading it. */
const damages: Array<{ name: string; make: () => string; noticed: "open" | "use" }> = [
  {
    name: "a file that is not SQLite",
    make: () => {
      const path = join(folder, "garbage.sqlite");
      writeFileSync(
        path,
        "garbage, not a database at all: just text long enough to pass for a header ".repeat(20),
      );
      return path;
    },
    noticed: "open",
  },
  {
    name: "a truncated file",
    make: () => {
      const path = filledCache("truncated.sqlite");
      truncateSync(path, Math.floor(statSync(path).size / 2));
      return path;
    },
    noticed: "open",
  },
  {
    name: "a file whose pages were overwritten",
    make: () => {
      const path = filledCache("corrupt.sqlite");
      const content = readFileSync(path);
      content.fill(0x5a, 8_192);
      writeFileSync(path, content);
      return path;
    },
    noticed: "use",
  },
  {
    name: "a folder in place of the file (unreadable)",
    make: () => {
      const path = join(folder, "folder.sqlite");
      mkdirSync(path);
      return path;
    },
    noticed: "open",
  },
];

describe("a corrupt or unreadable answer cache", () => {
  for (const damage of damages) {
    it(`is an AnswerCacheError naming the file, not an LM failure (${damage.name})`, async () => {
      const path = damage.make();
      const inner = countingModel();
      let failure: unknown;
      try {
        const model = createCachedModel(inner, createAnswerCache(path));
        expect(damage.noticed).toBe("use");
        await model.complete(request("k1"));
      } catch (error) {
        failure = error;
      }
      expect(failure).toBeInstanceOf(AnswerCacheError);
      expect(failure).toBeInstanceOf(EasyAdaptError);
      const cacheError = failure as AnswerCacheError;
      expect(cacheError.path).toBe(path);
      expect(cacheError.message).toContain(path);
      expect(cacheError.message).toMatch(/answer cache is corrupt or unreadable .*--no-cache/);
      expect(cacheError.message).not.toMatch(/large model/);
      expect(cacheError.isUserError).toBe(true);
      expect(inner.calls).toBe(0);
    });

    it(`with onError "bypass", is reported once and the model keeps answering without it (${damage.name})`, async () => {
      const path = damage.make();
      const warnings: Array<{ event: string; details?: Record<string, unknown> }> = [];
      const logger = {
        info() {},
        warn: (event: string, details?: Record<string, unknown>) => warnings.push({ event, details }),
      };
      const cache = createAnswerCache(path, { onError: "bypass", logger });
      const inner = countingModel();
      const model = createCachedModel(inner, cache);
      for (let call = 0; call < 3; call += 1) {
        expect(await model.complete(request("k1"))).toMatchObject({ text: "a", cached: false });
      }
      expect(inner.calls).toBe(3);
      expect(cache.isBypassed()).toBe(true);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.event).toBe("answer-cache-bypassed");
      expect(warnings[0]?.details?.path).toBe(path);
      expect(String(warnings[0]?.details?.message)).toContain("answering without the answer cache");
      cache.close();
    });
  }

  it("a sound file is never bypassed", async () => {
    const cache = createAnswerCache(join(folder, "sound.sqlite"), { onError: "bypass" });
    const inner = countingModel();
    const model = createCachedModel(inner, cache);
    await model.complete(request("x"));
    expect((await model.complete(request("x"))).cached).toBe(true);
    expect(cache.isBypassed()).toBe(false);
    cache.close();
  });
});
