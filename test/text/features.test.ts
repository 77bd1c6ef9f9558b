import { describe, expect, it } from "vitest";
import { HashedFeatureExtractor } from "../../src/text/hashed-features.js";
import { normalizeText } from "../../src/text/normalize-text.js";
import { SparseVectorizer } from "../../src/text/sparse-vectorizer.js";

const options = { buckets: 1 << 16, wordNgramMax: 2, charNgramMin: 2, charNgramMax: 5, wordWeight: 1 };

function features(text: string, extractor = new HashedFeatureExtractor(options)): number[] {
  const count = extractor.extract(normalizeText(text));
  return [...extractor.ids.subarray(0, count)].sort((left, right) => left - right);
}

describe("normalizeText", () => {
  it("applies NFKC and lower case", () => {
    expect(normalizeText("ＡＢＣ ﬁne Straße")).toBe("abc fine straße");
    expect(normalizeText("Hello")).toBe("hello");
  });

  it("turns HTML tags and entities into spaces only when asked", () => {
    const text = "Great film.<br /><br />Ben &amp; Jerry <i>loved</i> it, 3 < 4";
    expect(normalizeText(text, true)).toBe("great film.  ben   jerry  loved  it, 3 < 4");
    expect(normalizeText(text)).toContain("<br />");
    expect(features(normalizeText("bad<br />acting", true))).toEqual(features("bad acting"));
  });
});

describe("HashedFeatureExtractor", () => {
  it("counts word 1-2-grams and char 2-5-grams inside word boundaries", () => {
    const extractor = new HashedFeatureExtractor(options);
    // "ab": words 1; chars over "<ab>" (4 codes): 2-grams 3, 3-grams 2, 4-grams 1 → 6.
    expect(extractor.extract("ab")).toBe(7);
    // two words: 2 unigrams + 1 bigram + 6 + 6 char n-grams.
    expect(extractor.extract("ab cd")).toBe(15);
    expect(extractor.extract("  !! ")).toBe(0);
  });

  it("is deterministic, case-insensitive and punctuation-insensitive", () => {
    expect(features("Card arrived!")).toEqual(features("card, arrived"));
    expect(features("card arrived")).not.toEqual(features("arrived card"));
  });

  it("keeps ids inside the bucket range and grows its buffers for long texts", () => {
    const extractor = new HashedFeatureExtractor(options);
    const long = "supercalifragilistic expialidocious ".repeat(400);
    const count = extractor.extract(long);
    expect(count).toBeGreaterThan(1024);
    const ids = extractor.ids.subarray(0, count);
    expect(Math.min(...ids)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...ids)).toBeLessThan(options.buckets);
  });

  it("refuses a bucket count that is not a power of two", () => {
    expect(() => new HashedFeatureExtractor({ ...options, buckets: 1000 })).toThrow(RangeError);
  });
});

describe("SparseVectorizer", () => {
  it("produces distinct buckets with a unit L2 norm", () => {
    const vectorizer = new SparseVectorizer(options, true);
    const size = vectorizer.vectorize("the cat and the other cat");
    const indices = [...vectorizer.indices.subarray(0, size)];
    expect(new Set(indices).size).toBe(size);
    let squares = 0;
    for (const value of vectorizer.values.subarray(0, size)) squares += value * value;
    expect(squares).toBeCloseTo(1, 5);
  });

  it("gives the same vector for the same text twice (buffers are reset)", () => {
    const vectorizer = new SparseVectorizer(options, true);
    const first = vectorizer.vectorize("repeat me please");
    const snapshot = [...vectorizer.values.subarray(0, first)];
    vectorizer.vectorize("something else entirely");
    const second = vectorizer.vectorize("repeat me please");
    expect(second).toBe(first);
    expect([...vectorizer.values.subarray(0, second)]).toEqual(snapshot);
  });
});
