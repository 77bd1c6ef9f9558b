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

/** The pool's shared state: its workers, the jobs waiting for one, and whether it still works. */
interface WorkerPool {
  encoderId: string;
  members: PoolWorker[];
  waiting: Job[];
  nextId: number;
  closed: boolean;
  /** The first failure; every later call is rejected with it. */
  broken: Error | undefined;
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
  const pool: WorkerPool = {
    encoderId,
    members: [],
    waiting: [],
    nextId: 0,
    closed: false,
    broken: undefined,
  };
  const ready = Array.from({ length: workers }, () => startPoolWorker(pool, paths));
  const close = () => closePool(pool);
  try {
    await Promise.all(ready);
  } catch (error) {
    await close();
    throw error;
  }
  for (const member of pool.members) member.worker.unref();

  return {
    parallelism: workers,
    embed(windows) {
      if (pool.broken !== undefined) return Promise.reject(pool.broken);
      return new Promise<Float32Array>((resolve, reject) => {
        pool.waiting.push({ id: pool.nextId++, windows, resolve, reject });
        dispatchJobs(pool);
      });
    },
    close,
  };
}

/**
 * Starts one worker and adds it to the pool; resolves once its model is loaded. The worker's
 * answers settle its current job; its failure or unexpected exit breaks the whole pool.
 */
function startPoolWorker(
  pool: WorkerPool,
  paths: ReturnType<typeof resolveUseLitePackagePaths>,
): Promise<void> {
  const worker = new Worker(workerSource, {
    eval: true,
    workerData: { ...paths, dimensions: useLiteDimensions },
  });
  const member: PoolWorker = { worker, job: undefined };
  pool.members.push(member);
  return new Promise<void>((resolve, reject) => {
    worker.on("message", (message: WorkerMessage) => {
      if (message.kind === "ready") resolve();
      else if (message.kind === "load-failed") {
        reject(new TextEncoderError(`a worker cannot load the model (${message.message})`, pool.encoderId));
      } else settleJob(pool, member, message);
    });
    worker.on("error", (error) => {
      const wrapped = new TextEncoderError(`a worker failed (${error.message})`, pool.encoderId, {
        cause: error,
      });
      reject(wrapped);
      failPool(pool, wrapped);
    });
    worker.on("exit", (code) => {
      if (pool.closed) return;
      const error = new TextEncoderError(`a worker exited with code ${code}`, pool.encoderId);
      reject(error);
      failPool(pool, error);
    });
  });
}

/** Settles the worker's current job with its vectors or its error, then gives the worker the next job. */
function settleJob(
  pool: WorkerPool,
  member: PoolWorker,
  message: Extract<WorkerMessage, { kind: "vectors" | "failed" }>,
): void {
  const job = member.job;
  member.job = undefined;
  if (job !== undefined && job.id === message.id) {
    if (message.kind === "vectors") job.resolve(message.vectors);
    else job.reject(new TextEncoderError(`the model failed (${message.message})`, pool.encoderId));
  }
  dispatchJobs(pool);
}

/** Gives each idle worker the next waiting job; a worker left idle is unreferenced. */
function dispatchJobs(pool: WorkerPool): void {
  for (const member of pool.members) {
    if (member.job !== undefined) continue;
    const job = pool.waiting.shift();
    if (job === undefined) {
      member.worker.unref();
      continue;
    }
    member.job = job;
    member.worker.ref();
    member.worker.postMessage({ id: job.id, windows: job.windows });
  }
}

/** Breaks the pool: rejects the running and waiting jobs, and every later call, with `error`. */
function failPool(pool: WorkerPool, error: Error): void {
  pool.broken ??= error;
  for (const member of pool.members) {
    member.job?.reject(error);
    member.job = undefined;
  }
  for (const job of pool.waiting.splice(0)) job.reject(error);
}

/** Closes the pool: fails what is pending and terminates every worker. */
async function closePool(pool: WorkerPool): Promise<void> {
  pool.closed = true;
  failPool(pool, new TextEncoderError("the encoder is closed", pool.encoderId));
  await Promise.all(pool.members.map((member) => member.worker.terminate()));
}
