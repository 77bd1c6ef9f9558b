import type { EmbeddingCache } from "./embedding-cache.js";
import type { SentenceEncoder } from "./sentence-encoder.js";

/** How `withEmbeddingCache` batches the texts it must encode. */
export interface EmbeddingCacheOptions {
  /** Distinct missing texts encoded (and then stored, in one transaction) at a time. Default 64. */
  chunkSize?: number;
}

/**
 * The same encoder (same id and dimensions), reading vectors from `cache` and encoding only the
 * distinct texts it does not hold. New vectors are stored chunk by chunk as they are computed, so an
 * interrupted encode keeps what it paid for. Progress counts all texts, cached ones included.
 * `close()` closes the encoder, not the cache (its opener closes it).
 */
export function withEmbeddingCache(
  encoder: SentenceEncoder,
  cache: EmbeddingCache,
  options: EmbeddingCacheOptions = {},
): SentenceEncoder {
  const chunkSize = Math.max(1, Math.floor(options.chunkSize ?? 64));
  const { id, dimensions } = encoder;
  return {
    id,
    dimensions,
    async encode(texts, encodeOptions = {}) {
      const { signal, onProgress } = encodeOptions;
      signal?.throwIfAborted();
      const output = new Float32Array(texts.length * dimensions);
      const stored = cache.getMany(id, texts);
      const positionsOfMissing = new Map<string, number[]>();
      stored.forEach((vector, index) => {
        const text = texts[index]!;
        if (vector !== undefined && vector.length === dimensions) {
          output.set(vector, index * dimensions);
          return;
        }
        const positions = positionsOfMissing.get(text);
        if (positions === undefined) positionsOfMissing.set(text, [index]);
        else positions.push(index);
      });
      const missing = [...positionsOfMissing.keys()];
      let done = texts.length - [...positionsOfMissing.values()].reduce((sum, list) => sum + list.length, 0);
      if (done > 0) onProgress?.(done, texts.length);

      for (let start = 0; start < missing.length; start += chunkSize) {
        const chunk = missing.slice(start, start + chunkSize);
        const doneBefore = done;
        const occurrencesBefore = [0];
        for (const text of chunk) {
          occurrencesBefore.push(occurrencesBefore.at(-1)! + positionsOfMissing.get(text)!.length);
        }
        const vectors = await encoder.encode(chunk, {
          signal,
          onProgress: (chunkDone) => onProgress?.(doneBefore + occurrencesBefore[chunkDone]!, texts.length),
        });
        cache.putMany(id, chunk, vectors, dimensions);
        chunk.forEach((text, row) => {
          const vector = vectors.subarray(row * dimensions, (row + 1) * dimensions);
          for (const index of positionsOfMissing.get(text)!) output.set(vector, index * dimensions);
        });
        done = doneBefore + occurrencesBefore.at(-1)!;
      }
      return output;
    },
    close: () => encoder.close(),
  };
}
