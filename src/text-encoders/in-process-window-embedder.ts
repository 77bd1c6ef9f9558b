import { TextEncoderError } from "../spec/errors/text-encoder-error.js";
import { loadUseLiteModel, useLiteDimensions } from "./use-lite-packages.js";
import type { WindowEmbedder } from "./window-embedder.js";

/** Runs USE lite in this thread (one core); calls are queued, one model run at a time. */
export async function createInProcessWindowEmbedder(encoderId: string): Promise<WindowEmbedder> {
  const model = await loadUseLiteModel(encoderId);
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;
  const run = async (windows: readonly string[]): Promise<Float32Array> => {
    if (closed) throw new TextEncoderError("the encoder is closed", encoderId);
    const vectors = new Float32Array(windows.length * useLiteDimensions);
    if (windows.length === 0) return vectors;
    const rows = await model.embed([...windows]);
    rows.forEach((row, index) => {
      vectors.set(row, index * useLiteDimensions);
    });
    return vectors;
  };
  return {
    parallelism: 1,
    embed(windows) {
      const result = queue.then(() => run(windows));
      queue = result.catch(() => undefined);
      return result;
    },
    async close() {
      if (closed) return;
      closed = true;
      await queue;
      model.model.dispose();
    },
  };
}
