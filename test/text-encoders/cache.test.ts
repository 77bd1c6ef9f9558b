import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ArtifactError } from "../../src/spec/errors/artifact-error.js";
import { withEmbeddingCache } from "../../src/text-encoders/cached-encoder.js";
import { type EmbeddingCache, openEmbeddingCache } from "../../src/text-encoders/embedding-cache.js";
import type { SentenceEncoder } from "../../src/text-encoders/sentence-encoder.js";
import { createUseLiteEncoder } from "../../src/text-encoders/use-lite-encoder.js";

/** The real encoder, counting the texts it is asked to encode; `idSuffix` makes a second "model". */
function counting(encoder: SentenceEncoder, idSuffix = ""): SentenceEncoder & { encodedTexts: string[] } {
  const wrapper = {
    id: encoder.id + idSuffix,
    dimensions: encoder.dimensions,
    encodedTexts: [] as string[],
    async encode(texts: readonly string[], options?: Parameters<SentenceEncoder["encode"]>[1]) {
      wrapper.encodedTexts.push(...texts);
      return encoder.encode(texts, options);
    },
    close: async () => undefined,
  };
  return wrapper;
}

let real: SentenceEncoder;
beforeAll(async () => {
  real = await createUseLiteEncoder({ workers: 1 });
});
afterAll(() => real.close());

let folder: string;
let cachePath: string;
let cache: EmbeddingCache;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), "encoder-cache-"));
  cachePath = join(folder, "nested", "folder", "embeddings.sqlite");
  cache = openEmbeddingCache(cachePath);
});
afterEach(() => {
  cache.close();
  rmSync(folder, { recursive: true, force: true });
});

const texts = ["I lost my card", "my card is missing", "", "what is the exchange rate", "I lost my card"];

describe("the embedding cache (SQLite file)", () => {
  it("round-trips vectors bit for bit and misses what it never stored", () => {
    const vectors = new Float32Array([0.1, -0, Number.MIN_VALUE, 1 / 3, 3.4e38, -2.5]);
    cache.putMany("model-a", ["one", "two"], vectors, 3);
    const [one, two, three] = cache.getMany("model-a", ["one", "two", "three"]);
    expect(three).toBeUndefined();
    expect(new Uint8Array(one!.buffer)).toEqual(new Uint8Array(vectors.buffer, 0, 12));
    expect(new Uint8Array(two!.buffer)).toEqual(new Uint8Array(vectors.buffer, 12, 12));
    expect(Object.is(one![1], -0)).toBe(true);
  });

  it("keeps encoder ids apart", () => {
    cache.putMany("model-a", ["text"], new Float32Array([1, 2]), 2);
    expect(cache.getMany("model-b", ["text"])).toEqual([undefined]);
    cache.putMany("model-b", ["text"], new Float32Array([3, 4]), 2);
    expect(cache.getMany("model-a", ["text"])[0]).toEqual(new Float32Array([1, 2]));
    expect(cache.getMany("model-b", ["text"])[0]).toEqual(new Float32Array([3, 4]));
    expect(cache.size()).toBe(2);
  });

  it("refuses a vector block of the wrong length", () => {
    expect(() => cache.putMany("model-a", ["one", "two"], new Float32Array(5), 3)).toThrow(RangeError);
  });

  it("refuses a file that is not a SQLite database, naming it", async () => {
    const { writeFileSync } = await import("node:fs");
    const bad = join(folder, "not-a-database.sqlite");
    writeFileSync(bad, "this is not sqlite at all, just some text to fill the header page ".repeat(20));
    expect(() => openEmbeddingCache(bad)).toThrow(ArtifactError);
    expect(() => openEmbeddingCache(bad)).toThrow(bad);
  });
});

describe("withEmbeddingCache around the real encoder", () => {
  it("encodes each distinct missing text once, then nothing on a second pass, with the same vectors", async () => {
    const underlying = counting(real);
    const encoder = withEmbeddingCache(underlying, cache);
    expect(encoder.id).toBe(real.id);
    expect(encoder.dimensions).toBe(512);
    const first = await encoder.encode(texts);
    expect(underlying.encodedTexts.sort()).toEqual([
      "",
      "I lost my card",
      "my card is missing",
      "what is the exchange rate",
    ]);
    expect(first).toEqual(await real.encode(texts));

    underlying.encodedTexts.length = 0;
    const progress: number[] = [];
    const second = await encoder.encode(texts, { onProgress: (done, total) => progress.push(done, total) });
    expect(underlying.encodedTexts).toEqual([]);
    expect(second).toEqual(first);
    expect(progress).toEqual([5, 5]);
  });

  it("encodes only the new texts of a partly cached list and counts every text in its progress", async () => {
    const underlying = counting(real);
    const encoder = withEmbeddingCache(underlying, cache, { chunkSize: 2 });
    await encoder.encode(["I lost my card"]);
    underlying.encodedTexts.length = 0;
    const progress: number[] = [];
    await encoder.encode(texts, { onProgress: (done) => progress.push(done) });
    expect(underlying.encodedTexts).toEqual(["my card is missing", "", "what is the exchange rate"]);
    expect(progress[0]).toBe(2);
    expect(progress.at(-1)).toBe(5);
    expect(progress).toEqual([...progress].sort((left, right) => left - right));
  });

  it("keeps what an interrupted encode paid for", async () => {
    const underlying = counting(real);
    const encoder = withEmbeddingCache(underlying, cache, { chunkSize: 1 });
    const controller = new AbortController();
    const many = Array.from({ length: 6 }, (_, index) => `text number ${index}`);
    let reports = 0;
    const stopped = encoder.encode(many, {
      signal: controller.signal,
      onProgress: () => {
        reports++;
        if (reports === 2) controller.abort(new Error("interrupted"));
      },
    });
    await expect(stopped).rejects.toThrow("interrupted");
    const kept = cache.getMany(real.id, many).filter((vector) => vector !== undefined);
    expect(kept.length).toBe(2);
  });

  it("does not mix encoder ids", async () => {
    const modelA = counting(real);
    const modelB = counting(real, "/other");
    await withEmbeddingCache(modelA, cache).encode(["I lost my card"]);
    await withEmbeddingCache(modelB, cache).encode(["I lost my card"]);
    expect(modelB.encodedTexts).toEqual(["I lost my card"]);
    expect(cache.size()).toBe(2);
  });

  it("keeps the vectors when the file is closed and reopened", async () => {
    const first = await withEmbeddingCache(counting(real), cache).encode(texts);
    cache.close();
    cache = openEmbeddingCache(cachePath);
    const underlying = counting(real);
    const again = await withEmbeddingCache(underlying, cache).encode(texts);
    expect(underlying.encodedTexts).toEqual([]);
    expect(again).toEqual(first);
  });
});
