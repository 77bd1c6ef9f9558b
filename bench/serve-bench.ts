/**
 * Serving benchmark: builds a real adapter with `adapt()` on banking77 (GPT-4's recorded answers
 * through the replay server), runs `easy-adapt serve` in a child process (with its decision log on)
 * and loads it with autocannon, itself in a forked child, on loopback:
 * - SSM-routed chat completions, closed loop: requests/s, p50/p99 latency, errors, the server's CPU
 *   per request and peak RSS (from /proc);
 * - LM-routed chat completions: the latency serve adds over the upstream's own (replay server with
 *   `--latency-ms`, in its own process as a real upstream is), by interleaved sequential requests to
 *   the upstream directly, through serve, and through two do-nothing forwarders (bare node:http:
 *   the price of one more loopback hop on this machine at this moment; Hono on @hono/node-server:
 *   the same with serve's server library), with the split seen inside serve.
 * Run: `npm run bench:serve [-- --json] [--duration 10] [--connections 64] [--latency-ms 50]
 * [--lm-samples 200] [--adapter-dir DIR]` (an adapter already in DIR is reused), that is
 * `npm run build:bench && node dist-bench/bench/serve-bench.js …`; from source, `npx tsx bench/serve-bench.ts …`.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadAdapter } from "../src/adapter/load-adapter.js";
import { loadRecordedAnswers } from "../src/data/recorded-answers.js";
import type { Task } from "../src/spec/task.js";
import { adaptBenchAdapter } from "./bench-adapter.js";
import {
  type ChildEntry,
  runLoad,
  startPassThroughProxy,
  startReplayChild,
  startServeChild,
} from "./serve-bench/child-processes.js";
import { jsonHeaders, measureLmOverhead } from "./serve-bench/lm-overhead.js";
import { readCpuMs, readRssMb, sampleRss } from "./serve-bench/process-usage.js";
import { type BenchReport, printTable, targets } from "./serve-bench/report.js";
import { round } from "./serve-bench/statistics.js";
import { sharedDatasetsDir } from "./shared-datasets.js";

const { values } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "64" },
    "latency-ms": { type: "string", default: "50" },
    "lm-samples": { type: "string", default: "200" },
    "adapter-dir": { type: "string" },
  },
});
const durationSeconds = Number(values.duration);
const connections = Number(values.connections);
const upstreamLatencyMs = Number(values["latency-ms"]);
const lmSamples = Number(values["lm-samples"]);

const runningFromSource = import.meta.url.endsWith(".ts");
const extension = runningFromSource ? "ts" : "js";
const nodeArguments = runningFromSource ? ["--import", "tsx"] : [];
// From dist-bench/bench/, ../src/cli/main.js is the CLI compiled with the bench (dist-bench/src/cli).
const entry = (path: string): ChildEntry => ({
  main: fileURLToPath(new URL(`${path}.${extension}`, import.meta.url)),
  nodeArguments,
});
const cli = entry("../src/cli/main");
const loadGenerator = entry("./load-generator");
const passThroughProxy = entry("./pass-through-proxy");

const log = (line: string) => process.stderr.write(`[bench:serve] ${line}\n`);

const datasets = sharedDatasetsDir();
if (datasets === undefined) {
  process.stderr.write("bench:serve needs ../shared/datasets (banking77) beside the repository\n");
  process.exit(1);
}
const datasetDir = join(datasets, "banking77");
const labels = readFileSync(join(datasetDir, "labels.txt"), "utf8").split("\n").filter(Boolean);
const task: Task = { name: "banking77", labels };
const answers = await loadRecordedAnswers(
  [join(datasetDir, "dev.csv"), join(datasetDir, "test.csv")],
  "gpt4",
);

const ownAdapterDir = values["adapter-dir"] === undefined;
const adapterDir = values["adapter-dir"] ?? (await mkdtemp(join(tmpdir(), "serve-bench-adapter-")));
let adaptSeconds: number | undefined;
if (!existsSync(join(adapterDir, "manifest.json"))) {
  log(`adapting banking77 (train 9,002 rows, calibration = dev 1,001 rows with gpt4) into ${adapterDir}`);
  adaptSeconds = await adaptBenchAdapter({ task, datasetDir, answers }, adapterDir);
  log(`adapted in ${adaptSeconds.toFixed(1)} s`);
}

const routing = await loadAdapter(adapterDir);
const testTexts = answers.slice(-3080).map((answer) => answer.text);
const ssmTexts = testTexts.filter((text) => !routing.decide(text).useLm);
const lmTexts = testTexts.filter((text) => routing.decide(text).useLm);
log(`test split: ${ssmTexts.length} texts routed to the SSM, ${lmTexts.length} to the LM`);
if (ssmTexts.length === 0 || lmTexts.length === 0)
  throw new Error("the adapter routes every test text one way");

// The upstream runs in a process of its own, as a real LLM endpoint does: in the bench's own process,
// the direct requests would skip the cross-process wake-ups that every request through serve pays.
const replay = await startReplayChild(cli, { datasetDir, upstreamLatencyMs });
const nodeHttpForwarder = await startPassThroughProxy(
  passThroughProxy,
  new URL(replay.url).origin,
  "node-http",
);
const honoForwarder = await startPassThroughProxy(passThroughProxy, new URL(replay.url).origin, "hono");
const logDir = await mkdtemp(join(tmpdir(), "serve-bench-log-"));
const decisionLogPath = join(logDir, "decisions.jsonl");
const server = await startServeChild(cli, { adapterDir, lmBaseUrl: replay.url, decisionLogPath });
try {
  const idleRssMb = readRssMb(server.pid);
  const bodies = ssmTexts.map((text) =>
    JSON.stringify({ model: "banking77", messages: [{ role: "user", content: text }] }),
  );
  const url = `${server.url}/v1/chat/completions`;
  log("warm-up: 3 s");
  await runLoad(loadGenerator, { url, bodies, connections, durationSeconds: 3, headers: jsonHeaders });
  log(`SSM-routed load: ${connections} connections for ${durationSeconds} s`);
  const sampler = sampleRss(server.pid);
  const cpuBefore = readCpuMs(server.pid);
  const load = await runLoad(loadGenerator, {
    url,
    bodies,
    connections,
    durationSeconds,
    headers: jsonHeaders,
  });
  const peakRssMb = sampler.stop();
  const serverCpuMsPerRequest = (readCpuMs(server.pid) - cpuBefore) / Math.max(1, load.requests);
  const errors = load.errors + load.timeouts + load.non2xx;

  log(
    `LM-routed latency: ${lmSamples} rounds of interleaved requests to the replay server (${upstreamLatencyMs} ms), through serve and a do-nothing node:http forwarder, then again with a do-nothing Hono forwarder in serve's place`,
  );
  const lmRouted = await measureLmOverhead({
    serveUrl: server.url,
    replayUrl: replay.url,
    forwarders: { nodeHttp: nodeHttpForwarder.url, hono: honoForwarder.url },
    servePid: server.pid,
    task,
    lmTexts,
    lmSamples,
    upstreamLatencyMs,
  });

  const report: BenchReport = {
    dataset: "banking77",
    adaptSeconds,
    ssmRoutedShareOfTest: round(ssmTexts.length / testTexts.length, 4),
    ssmRouted: {
      connections,
      durationSeconds,
      requests: load.requests,
      requestsPerSecond: Math.round(load.requestsPerSecond),
      latencyP50Ms: load.latencyP50Ms,
      latencyP99Ms: load.latencyP99Ms,
      latencyMaxMs: load.latencyMaxMs,
      errors,
      serverCpuMsPerRequest: round(serverCpuMsPerRequest, 3),
      idleRssMb,
      peakRssMb,
    },
    lmRouted,
    targets,
    pass: {
      requestsPerSecond: load.requestsPerSecond >= targets.requestsPerSecond,
      p99: load.latencyP99Ms <= targets.p99Ms,
      errors: errors === 0,
      rss: Math.max(idleRssMb, peakRssMb) <= targets.rssMb,
      lmOverhead: lmRouted.overheadMedianMs <= targets.lmOverheadMs,
    },
  };
  report.serveExitCode = await server.stop();
  report.decisionLogLines = (await readFile(decisionLogPath, "utf8")).split("\n").length - 1;
  if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else printTable(report);
} finally {
  server.kill();
  replay.kill();
  nodeHttpForwarder.kill();
  honoForwarder.kill();
  await rm(logDir, { recursive: true, force: true });
  if (ownAdapterDir) await rm(adapterDir, { recursive: true, force: true });
}
