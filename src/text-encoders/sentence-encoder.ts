/** Options of one `encode` call. */
export interface EncodeOptions {
  /** Stops the encode between batches; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called after each batch with the number of texts done so far, out of `total` (all texts passed). */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Turns texts into fixed-size vectors that carry word meaning (a sentence encoder).
 *
 * Vectors are deterministic for a given `id`: the same text gives bit-identical vectors whatever
 * batch it was encoded in, which is what lets them be cached by `id` and text.
 */
export interface SentenceEncoder {
  /** Identifies the model and its text handling, e.g. "use-lite-0.2.0/windows-80"; part of the cache key. */
  readonly id: string;
  /** Length of each vector (512 for USE lite). */
  readonly dimensions: number;
  /**
   * One L2-normalised vector per text, row-major: `texts.length × dimensions`.
   * An empty (or whitespace-only) text gives one fixed vector, never NaN.
   */
  encode(texts: readonly string[], options?: EncodeOptions): Promise<Float32Array>;
  /** Frees the model (and its workers). The encoder must not be used afterwards. */
  close(): Promise<void>;
}
