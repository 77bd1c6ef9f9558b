import { Worker } from "node:worker_threads";
import type { TrainingSet } from "../spec/small-model.js";
import { tsxLoaderFor } from "../util/tsx-loader.js";
import type { NgramLinearModel } from "./ngram-linear-model.js";
import {
  errorFromReply,
  modelFromReply,
  type NgramTrainingReply,
  type NgramTrainingRequest,
} from "./ngram-training-job.js";

/** The module a training thread runs: `serveNgramTraining` in ngram-training-job.ts (from source under tsx or vitest, else the built file). */
export const defaultNgramTrainingModule: URL = new URL(
  import.meta.url.endsWith(".ts") ? "./ngram-training-job.ts" : "./ngram-training-job.js",
  import.meta.url,
);

// Plain CommonJS run with `eval: true`: it imports the job module (registering tsx first when the
// module is TypeScript source, under the tests) and serves the parent's training requests.
const workerSource = `
const { parentPort, workerData } = require("node:worker_threads");
(async () => {
  if (workerData.tsx) { const { register } = await import(workerData.tsx); register(); }
  const { serveNgramTraining } = await import(workerData.module);
  serveNgramTraining(parentPort);
})().catch((error) => parentPort.postMessage({ kind: "broken", message: String((error && error.message) || error) }));
`;

type ThreadMessage = NgramTrainingReply | { kind: "broken"; message: string };

/** Worker threads that train default `ngram-linear` models, one set at a time each. */
export interface NgramTrainingThreads {
  /**
   * One trainer per thread: `trainNgramLinear(set)`'s model (the same parts, trained there and
   * rebuilt here). Rejects with the error training threw there, or once the threads are closed.
   */
  readonly trainers: readonly ((set: TrainingSet) => Promise<NgramLinearModel>)[];
  /** The threads' `threadId`s. */
  readonly threadIds: readonly number[];
  /** How many sets each thread has trained so far. */
  trainedCounts(): number[];
  /** Terminates every thread (sets still in training reject); resolves once all have exited. */
  close(): Promise<void>;
}

let liveThreads = 0;

/** The training threads started in this process and not yet exited (0 once every pool is closed). */
export function liveNgramTrainingThreads(): number {
  return liveThreads;
}

/**
 * Starts `count` training threads. An idle thread never keeps the process alive; `signal`
 * aborting closes them (the sets in training reject with its reason). Close them when done.
 */
export function startNgramTrainingThreads(
  count: number,
  options: { signal?: AbortSignal | undefined; module?: URL } = {},
): NgramTrainingThreads {
  const module = options.module ?? defaultNgramTrainingModule;
  const tsx = tsxLoaderFor(module);
  const threads = Array.from({ length: count }, () => startThread(module.href, tsx));
  const stopAll = (reason: unknown) => Promise.all(threads.map((thread) => thread.stop(reason)));
  const onAbort = () => void stopAll(options.signal?.reason);
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted === true) onAbort();
  return {
    trainers: threads.map((thread) => thread.train),
    threadIds: threads.map((thread) => thread.threadId),
    trainedCounts: () => threads.map((thread) => thread.trained()),
    async close() {
      options.signal?.removeEventListener("abort", onAbort);
      await stopAll(new Error("the training threads were closed"));
    },
  };
}

interface Pending {
  resolve: (model: NgramLinearModel) => void;
  reject: (error: unknown) => void;
}

/** One worker thread, its requests in flight, and the means to stop it. */
function startThread(module: string, tsx: string | undefined) {
  const worker = new Worker(workerSource, { eval: true, workerData: { module, tsx } });
  liveThreads += 1;
  worker.unref();
  const pending = new Map<number, Pending>();
  let stopped: { reason: unknown } | undefined;
  let nextId = 0;
  let trained = 0;
  const failAll = (reason: unknown) => {
    stopped ??= { reason };
    for (const job of pending.values()) job.reject(stopped.reason);
    pending.clear();
    worker.unref();
  };
  worker.on("message", (message: ThreadMessage) => {
    if (message.kind === "broken") {
      failAll(new Error(`a training thread could not start: ${message.message}`));
      void worker.terminate();
      return;
    }
    const job = pending.get(message.id);
    pending.delete(message.id);
    if (pending.size === 0) worker.unref();
    if (job === undefined) return;
    if (message.kind === "failed") return job.reject(errorFromReply(message));
    trained += 1;
    try {
      job.resolve(modelFromReply(message));
    } catch (error) {
      job.reject(error);
    }
  });
  worker.on("error", (error) => failAll(error));
  worker.once("exit", (code) => {
    liveThreads -= 1;
    failAll(new Error(`a training thread stopped (exit code ${code})`));
  });
  const train = (set: TrainingSet) =>
    new Promise<NgramLinearModel>((resolve, reject) => {
      if (stopped !== undefined) return reject(stopped.reason);
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.ref();
      try {
        worker.postMessage({ id, set } satisfies NgramTrainingRequest);
      } catch (error) {
        pending.delete(id);
        if (pending.size === 0) worker.unref();
        reject(error);
      }
    });
  return {
    threadId: worker.threadId,
    train,
    trained: () => trained,
    async stop(reason: unknown) {
      failAll(reason);
      await worker.terminate();
    },
  };
}
