/**
 * Probe throughput: answers/s through the replay server (real HTTP on loopback, no cache) and from
 * the answer cache. Run: `npm run build:bench && node dist-bench/bench/probe-bench.js [--concurrency 16]
 * [--repeat 3] [--server worker]`, or from source `npx tsx bench/probe-bench.ts …`. Needs ../shared/datasets.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import { largeModelFromOptions } from "../src/cli/lm-options.js";
import { loadRecordedAnswers } from "../src/data/recorded-answers.js";
import { probe } from "../src/probe/probe.js";
import { startReplayServer } from "../src/replay/replay-server.js";
import type { Task } from "../src/spec/task.js";
import { sharedDatasetsDir } from "./shared-datasets.js";

const { values } = parseArgs({
  options: {
    concurrency: { type: "string", default: "16" },
    repeat: { type: "string", default: "3" },
    file: { type: "string", default: "banking77/test.csv" },
    column: { type: "string", default: "gpt4" },
    server: { type: "string", default: "in-process" },
  },
});
const concurrency = Number(values.concurrency);
const repeat = Number(values.repeat);

const datasets = sharedDatasetsDir();
if (datasets === undefined) throw new Error("../shared/datasets is absent");
const dataFile = join(datasets, values.file);
const labels = readFileSync(join(datasets, "banking77/labels.txt"), "utf8").split("\n").filter(Boolean);
const task: Task = { name: "banking77", labels };
const answers = await loadRecordedAnswers([dataFile], values.column);
const texts = answers.map((answer) => answer.text);
/** The replay server in this thread, or in a worker thread (its own event loop, like a separate process). */
async function startServer(): Promise<{ url: string; close(): Promise<void> }> {
  if (values.server !== "worker") return startReplayServer({ answers });
  const extension = import.meta.url.endsWith(".ts") ? "ts" : "js";
  const entry = new URL(`./probe-bench-replay-worker.${extension}`, import.meta.url);
  const workerData = { file: dataFile, column: values.column };
  // From source (tsx), the worker thread loads the TypeScript entry through tsx's API.
  const worker =
    extension === "js"
      ? new Worker(entry, { workerData })
      : new Worker(
          `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))}).then((api) => api.tsImport(${JSON.stringify(entry.href)}, ${JSON.stringify(import.meta.url)}))`,
          { eval: true, workerData },
        );
  const url = await new Promise<string>((resolve, reject) => {
    worker.once("message", (message: unknown) => resolve(String(message)));
    worker.once("error", reject);
  });
  return {
    url,
    close: async () => {
      worker.postMessage("close");
      await new Promise((resolve) => worker.once("exit", resolve));
    },
  };
}
const server = await startServer();
process.stdout.write(
  `replay server ${values.server === "worker" ? "in a worker thread" : "in this thread"}\n`,
);
const folder = mkdtempSync(join(tmpdir(), "probe-bench-"));

const lmOptions = { lmBaseUrl: server.url, lmModel: values.column, concurrency: String(concurrency) };
try {
  for (let round = 0; round <= repeat; round++) {
    const setup = largeModelFromOptions({ ...lmOptions, cache: false }, {});
    const cpuBefore = process.cpuUsage();
    const result = await probe(texts, task, setup.model, { concurrency });
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMsPerAnswer = (cpu.user + cpu.system) / 1000 / texts.length;
    const perSecond = texts.length / result.stats.seconds;
    process.stdout.write(
      `${round === 0 ? "(warm-up) " : ""}replay server, no cache, concurrency ${concurrency}: ${texts.length} rows in ${result.stats.seconds.toFixed(2)}s = ${perSecond.toFixed(0)} answers/s; ${cpuMsPerAnswer.toFixed(2)} CPU ms per answer, client + server (httpCalls ${setup.stats().httpCalls}, answered ${result.stats.answered})\n`,
    );
    setup.close();
  }
  const cacheFile = join(folder, "cache.sqlite");
  const fill = largeModelFromOptions({ ...lmOptions, cache: cacheFile }, {});
  await probe(texts, task, fill.model, { concurrency });
  fill.close();
  const repeatedTexts = Array.from({ length: 5 }, () => texts).flat();
  for (let round = 1; round <= repeat; round++) {
    const setup = largeModelFromOptions({ ...lmOptions, cache: cacheFile }, {});
    const result = await probe(repeatedTexts, task, setup.model, { concurrency });
    const perSecond = repeatedTexts.length / result.stats.seconds;
    process.stdout.write(
      `from the cache: ${repeatedTexts.length} rows in ${result.stats.seconds.toFixed(3)}s = ${perSecond.toFixed(0)} answers/s (httpCalls ${setup.stats().httpCalls}, cacheHits ${result.stats.cacheHits})\n`,
    );
    setup.close();
  }
} finally {
  await server.close();
  rmSync(folder, { recursive: true, force: true });
}
