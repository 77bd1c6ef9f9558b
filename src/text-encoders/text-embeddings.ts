import type { EncodeOptions, SentenceEncoder } from "./sentence-encoder.js";

/**
 * Vectors of texts held in memory: an async `prepare` encodes what is missing, then synchronous
 * code (a model's `predictProba`) reads them with `get`.
 */
export interface TextEmbeddings {
  readonly encoderId: string;
  readonly dimensions: number;
  /** Encodes the texts not held yet (each distinct text once, even across concurrent calls). */
  prepare(texts: readonly string[], options?: EncodeOptions): Promise<void>;
  /** The text's vector (do not modify it); throws if the text was not prepared (or was dropped). */
  get(text: string): Float32Array;
  has(text: string): boolean;
}

/** How many vectors a TextEmbeddings keeps. */
export interface TextEmbeddingsOptions {
  /**
   * Keep at most this many vectors, dropping the least recently used (prepared or read) first.
   * Unbounded when absent. A `prepare` of more distinct texts than this keeps only the last ones.
   */
  maxEntries?: number;
}

/**
 * Vectors of texts from `encoder`, held in memory for synchronous reads (e.g. to give a loaded
 * NgramEmbeddingBlend its embeddings with `withEmbeddings`).
 */
export function createTextEmbeddings(
  encoder: SentenceEncoder,
  options: TextEmbeddingsOptions = {},
): TextEmbeddings {
  const { id: encoderId, dimensions } = encoder;
  const maxEntries = options.maxEntries ?? Number.POSITIVE_INFINITY;
  if (!(maxEntries >= 1)) throw new RangeError(`maxEntries must be at least 1, got ${maxEntries}`);
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  const held = new Map<string, Float32Array>();
  const pending = new Map<string, Promise<void>>();

  const hold = (text: string, vector: Float32Array) => {
    held.delete(text);
    held.set(text, vector);
    while (held.size > maxEntries) {
      const oldest = held.keys().next();
      if (oldest.done === true) break;
      held.delete(oldest.value);
    }
  };

  const encodeMissing = async (texts: readonly string[], encodeOptions: EncodeOptions | undefined) => {
    const vectors = await encoder.encode(texts, encodeOptions);
    texts.forEach((text, row) => {
      hold(text, vectors.slice(row * dimensions, (row + 1) * dimensions));
    });
  };

  return {
    encoderId,
    dimensions,
    async prepare(texts, encodeOptions) {
      const missing = new Set<string>();
      const waits: Promise<void>[] = [];
      for (const text of texts) {
        const vector = held.get(text);
        if (vector !== undefined) hold(text, vector);
        else {
          const inFlight = pending.get(text);
          if (inFlight !== undefined) waits.push(inFlight);
          else missing.add(text);
        }
      }
      if (missing.size > 0) {
        const list = [...missing];
        const work = encodeMissing(list, encodeOptions).finally(() => {
          for (const text of list) pending.delete(text);
        });
        for (const text of list) pending.set(text, work);
        waits.push(work);
      }
      await Promise.all(waits);
    },
    get(text) {
      const vector = held.get(text);
      if (vector === undefined) {
        const start = text.length > 40 ? `${text.slice(0, 40)}…` : text;
        throw new Error(`no embedding prepared for the text "${start}" (call prepare() first)`);
      }
      // Recency only matters when something may be dropped.
      if (maxEntries !== Number.POSITIVE_INFINITY) hold(text, vector);
      return vector;
    },
    has: (text) => held.has(text),
  };
}
