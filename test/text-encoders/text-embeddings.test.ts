import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SentenceEncoder } from "../../src/text-encoders/sentence-encoder.js";
import { createTextEmbeddings } from "../../src/text-encoders/text-embeddings.js";
import { createUseLiteEncoder } from "../../src/text-encoders/use-lite-encoder.js";

let real: SentenceEncoder;
let encodeCalls: string[][];
let counted: SentenceEncoder;
beforeAll(async () => {
  real = await createUseLiteEncoder({ workers: 1 });
  encodeCalls = [];
  counted = {
    id: real.id,
    dimensions: real.dimensions,
    encode: (texts, options) => {
      encodeCalls.push([...texts]);
      return real.encode(texts, options);
    },
    close: async () => undefined,
  };
});
afterAll(() => real.close());

describe("TextEmbeddings", () => {
  it("throws a plain error naming the text when it was not prepared", () => {
    const embeddings = createTextEmbeddings(counted);
    const text = "This is a fairly long question about my card that never arrived in the post";
    expect(embeddings.has(text)).toBe(false);
    expect(() => embeddings.get(text)).toThrow(`"${text.slice(0, 40)}…"`);
  });

  it("serves prepared texts synchronously with the encoder's vectors, encoding each text once", async () => {
    const embeddings = createTextEmbeddings(counted);
    expect(embeddings.encoderId).toBe(real.id);
    expect(embeddings.dimensions).toBe(512);
    encodeCalls.length = 0;
    await Promise.all([
      embeddings.prepare(["I lost my card", "my card is missing", "I lost my card"]),
      embeddings.prepare(["my card is missing"]),
    ]);
    await embeddings.prepare(["I lost my card"]);
    expect(encodeCalls).toEqual([["I lost my card", "my card is missing"]]);
    const direct = await real.encode(["I lost my card", "my card is missing"]);
    expect(embeddings.get("I lost my card")).toEqual(direct.subarray(0, 512));
    expect(embeddings.get("my card is missing")).toEqual(direct.subarray(512));
  });

  it("holds at most maxEntries vectors, dropping the least recently used", async () => {
    const embeddings = createTextEmbeddings(counted, { maxEntries: 2 });
    await embeddings.prepare(["alpha", "beta"]);
    embeddings.get("alpha"); // alpha is now the most recently used
    await embeddings.prepare(["gamma"]);
    expect(embeddings.has("alpha")).toBe(true);
    expect(embeddings.has("beta")).toBe(false);
    expect(embeddings.has("gamma")).toBe(true);
    expect(() => embeddings.get("beta")).toThrow(/beta/);
    await embeddings.prepare(["delta", "epsilon", "zeta"]);
    expect(["alpha", "gamma", "delta", "epsilon", "zeta"].filter((text) => embeddings.has(text))).toEqual([
      "epsilon",
      "zeta",
    ]);
  });

  it("forgets nothing on a failed prepare and lets it be retried", async () => {
    const embeddings = createTextEmbeddings(counted);
    const controller = new AbortController();
    controller.abort(new Error("cancelled"));
    await expect(embeddings.prepare(["retry me"], { signal: controller.signal })).rejects.toThrow(
      "cancelled",
    );
    expect(embeddings.has("retry me")).toBe(false);
    await embeddings.prepare(["retry me"]);
    expect(embeddings.get("retry me")).toHaveLength(512);
  });
});
