import { Worker } from "node:worker_threads";
import type { DataRow } from "../spec/dataset.js";
import type { Task } from "../spec/task.js";
import { tsxLoaderFor } from "../util/tsx-loader.js";

/** One refresh, as plain data a worker thread is handed: where it starts, what it learns from, where it writes. */
export interface RefreshJob {
  /** The adapter folder it starts from (its task, kept training rows, settings), or the task alone. */
  from: { adapterDir: string } | { task: Task };
  /** The LLM's answers heard since the last refresh (the older ones are in `from`'s training rows). */
  answers: { text: string; answer: string }[];
  /** Gold rows the learner may use (`stream --gold N`). */
  goldRows?: DataRow[] | undefined;
  maxDisagreement?: number | undefined;
  seed?: number | undefined;
  /** Threads that train the fold models (default: `refreshAdapter`'s, one per core). */
  trainingThreads?: number | undefined;
  /** The folder the new adapter is written to (a new one). */
  outDir: string;
}

/** What a refresh job reports: the folder written, the rows learnt from, the estimates before and after. */
export interface RefreshJobResult {
  outDir: string;
  rows: { answers: number; gold: number; oldTraining: number; dropped: number };
  before?: { lmShare: number; accuracy?: number; agreement?: number } | undefined;
  after: { lmShare: number; accuracy?: number; agreement?: number };
}

/** The module a refresh worker runs by default: `runRefreshJob` in refresh-job.ts (from source under tsx or vitest, else the built file). */
export const defaultRefreshJobModule: URL = new URL(
  import.meta.url.endsWith(".ts") ? "./refresh-job.ts" : "./refresh-job.js",
  import.meta.url,
);

// Plain CommonJS run with `eval: true`: it imports the job module (registering tsx first when the
// module is TypeScript source, under the tests) and runs its `runRefreshJob` once.
const workerSource = `
const { parentPort, workerData } = require("node:worker_threads");
(async () => {
  if (workerData.tsx) { const { register } = await import(workerData.tsx); register(); }
  const { runRefreshJob } = await import(workerData.module);
  const result = await runRefreshJob(workerData.job);
  parentPort.postMessage({ kind: "done", result });
})().catch((error) => parentPort.postMessage({ kind: "failed", message: String((error && error.message) || error) }));
`;

type WorkerMessage = { kind: "done"; result: RefreshJobResult } | { kind: "failed"; message: string };

/** A refresh running in its worker thread: its result, and the means to stop it. */
export interface RunningRefresh {
  readonly result: Promise<RefreshJobResult>;
  /** Terminates the worker; `result` then rejects. */
  stop(): Promise<void>;
}

/**
 * Runs one refresh job in a worker thread of its own (the server's event loop never trains: its
 * requests keep being answered meanwhile), ended once the job is done. `result` rejects with the
 * job's error, or when the worker dies or is stopped.
 */
export function runRefreshInWorker(job: RefreshJob, module: URL = defaultRefreshJobModule): RunningRefresh {
  const tsx = tsxLoaderFor(module);
  const worker = new Worker(workerSource, { eval: true, workerData: { job, module: module.href, tsx } });
  const result = new Promise<RefreshJobResult>((resolve, reject) => {
    worker.on("message", (message: WorkerMessage) => {
      if (message.kind === "done") resolve(message.result);
      else reject(new Error(message.message));
      void worker.terminate();
    });
    worker.on("error", reject);
    worker.on("exit", (code) => reject(new Error(`the refresh worker stopped (exit code ${code})`)));
  });
  return {
    result,
    async stop() {
      await worker.terminate();
    },
  };
}
