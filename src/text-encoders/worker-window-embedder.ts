import { Worker } from "node:worker_threads";
import { TextEncoderError } from "../spec/errors/text-encoder-error.js";
import { resolveUseLitePackagePaths, useLiteDimensions } from "./use-lite-packages.js";
import type { WindowEmbedder } from "./window-embedder.js";

// Plain CommonJS run with `eval: true`, so the same code works from source (tsx, vitest) and from dist.
const workerSource = `
const { parentPort, workerData } = require("node:worker_threads");
const dimensions = workerData.dimensions;
(async () => {
  const { initModel } = require(workerData.embeddings);
  const { modelSource } = require(workerData.model);
  const model = await initModel(modelSource);
  parentPort.on("message", async (job) => {
    try {
      const vectors = new Float32Array(job.windows.length * dimensions);
      const rows = job.windows.length === 0 ? [] : await model.embed(job.windows);
      rows.forEach((row, index) => vectors.set(row, index * dimensions));
      parentPort.postMessage({ kind: "vectors", id: job.id, vectors }, [vectors.buffer]);
    } catch (error) {
      parentPort.postMessage({ kind: "failed", id: job.id, message: String(error && error.message || error) });
    }
  });
  parentPort.postMessage({ kind: "ready" });
})().catch((error) => parentPort.postMessage({ kind: "load-failed", message: String(error && error.message || error) }));
`;

type WorkerMessage =
  | { kind: "ready" }
  | { kind: "load-failed"; message: string }
  | { kind: "vectors"; id: number; vectors: Float32Array }
  | { kind: "failed"; id: number; message: string };

interface Job {
  id: number;
  windows: readonly string[];
  resolve: (vectors: Float32Array) => void;
  reject: (error: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  job: Job | undefined;
}

/**
 * Runs USE lite on `workers` worker threads, each holding its own model (~250 MB each): calls are
 * queued and each goes to the next free worker. Workers are unreferenced while idle, so a
 * forgotten `close()` does not keep the process alive.
 */
export async function createWorkerWindowEmbedder(
  encoderId: string,
  workers: number,
): Promise<WindowEmbedder> {
  const paths = resolveUseLitePackagePaths(encoderId);
  const pool: PoolWorker[] = [];
  const waiting: Job[] = [];
  let nextId = 0;
  let closed = false;
  let broken: Error | undefined;

  const fail = (error: Error) => {
    broken ??= error;
    for (const member of pool) {
      member.job?.reject(error);
      member.job = undefined;
    }
    for (const job of waiting.splice(0)) job.reject(error);
  };

  const dispatch = () => {
    for (const member of pool) {
      if (member.job !== undefined) continue;
      const job = waiting.shift();
      if (job === undefined) {
        member.worker.unref();
        continue;
      }
      member.job = job;
      member.worker.ref();
      member.worker.postMessage({ id: job.id, windows: job.windows });
    }
  };

  const ready = Array.from({ length: workers }, () => {
    const worker = new Worker(workerSource, {
      eval: true,
      workerData: { ...paths, dimensions: useLiteDimensions },
    });
    const member: PoolWorker = { worker, job: undefined };
    pool.push(member);
    return new Promise<void>((resolve, reject) => {
      worker.on("message", (message: WorkerMessage) => {
        if (message.kind === "ready") resolve();
        else if (message.kind === "load-failed") {
          reject(new TextEncoderError(`a worker cannot load the model (${message.message})`, encoderId));
        } else {
          const job = member.job;
          member.job = undefined;
          if (job !== undefined && job.id === message.id) {
            if (message.kind === "vectors") job.resolve(message.vectors);
            else job.reject(new TextEncoderError(`the model failed (${message.message})`, encoderId));
          }
          dispatch();
        }
      });
      worker.on("error", (error) => {
        const wrapped = new TextEncoderError(`a worker failed (${error.message})`, encoderId, {
          cause: error,
        });
        reject(wrapped);
        fail(wrapped);
      });
      worker.on("exit", (code) => {
        if (closed) return;
        const error = new TextEncoderError(`a worker exited with code ${code}`, encoderId);
        reject(error);
        fail(error);
      });
    });
  });

  const close = async () => {
    closed = true;
    fail(new TextEncoderError("the encoder is closed", encoderId));
    await Promise.all(pool.map((member) => member.worker.terminate()));
  };

  try {
    await Promise.all(ready);
  } catch (error) {
    await close();
    throw error;
  }
  for (const member of pool) member.worker.unref();

  return {
    parallelism: workers,
    embed(windows) {
      if (broken !== undefined) return Promise.reject(broken);
      return new Promise<Float32Array>((resolve, reject) => {
        waiting.push({ id: nextId++, windows, resolve, reject });
        dispatch();
      });
    },
    close,
  };
}
