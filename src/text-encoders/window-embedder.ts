/** Runs the model on windows (texts the model reads whole): one raw vector per window, row-major. */
export interface WindowEmbedder {
  /** How many `embed` calls can usefully run at once (1 in-process, one per worker otherwise). */
  readonly parallelism: number;
  embed(windows: readonly string[]): Promise<Float32Array>;
  close(): Promise<void>;
}
