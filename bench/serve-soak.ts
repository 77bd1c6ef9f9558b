/**
 * Soak of `easy-adapt serve`: the real CLI in a child process, on a real adapter (banking77 by
 * default; built here, or reused from `--adapter-dir`), its LLM the replay server (the CLI, in a
 * child process, on loopback, 50 ms a reply). For `--seconds` (60), `--connections` (16) loops send
 * a mix of SSM- and LLM-routed chat completions, `/v1/classify` batches, streamed completions,
 * requests the client aborts mid-call, malformed bodies and bodies cut short, while the upstream
 * hangs over a window (so the circuit breaker opens and closes). serve's RSS is read from /proc
 * once a second, and right after a full garbage collection forced through serve's inspector at the
 * middle and just before the end. Prints start, peak and end RSS, the slopes over the second half
 * (MB/min; raw, and after a full GC, which the flatness criterion reads), requests/s,
 * p50/p99, status counts, and PASS when RSS is flat, no answer was a 5xx and serve neither crashed
 * nor failed to stop cleanly. Exits 1 on FAIL.
 * Run (node 20 needs `--experimental-websocket` for the inspector): `npm run bench:soak [-- --seconds 60] [--connections 16] [--latency-ms 50] [--json]
 * [--adapter-dir DIR] [--train-rows N] [--calib-rows N] [--dataset DIR --answer-column COL]`.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadAdapter } from "../src/adapter/load-adapter.js";
import { loadRecordedAnswers } from "../src/data/recorded-answers.js";
import { adaptBenchAdapter } from "./bench-adapter.js";
import type { ChildEntry } from "./serve-bench/child-processes.js";
import { inspectorUrlOf, openHeapProbe } from "./serve-soak/heap-probe.js";
import { type CliChild, startSoakReplay, startSoakServe } from "./serve-soak/soak-children.js";
import { soakReportOf } from "./serve-soak/soak-figures.js";
import { printSoakReport } from "./serve-soak/soak-report.js";
import { runSoak, type SoakSchedule } from "./serve-soak/soak-run.js";
import { sharedDatasetsDir } from "./shared-datasets.js";

const { values } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    seconds: { type: "string", default: "60" },
    connections: { type: "string", default: "16" },
    "latency-ms": { type: "string", default: "50" },
    seed: { type: "string", default: "1" },
    dataset: { type: "string" },
    "answer-column": { type: "string", default: "gpt4" },
    "adapter-dir": { type: "string" },
    "train-rows": { type: "string" },
    "calib-rows": { type: "string" },
  },
});
const seconds = Number(values.seconds);
const schedule: SoakSchedule = {
  seconds,
  connections: Number(values.connections),
  seed: Number(values.seed),
  // Early enough that the second half, where RSS must be flat, is steady mixed traffic; at least
  // 2.5 s, so that calls time out (--lm-timeout-ms 1000) and the breaker opens even in a short run.
  outage: {
    fromSecond: round1(seconds * 0.2),
    toSecond: round1(seconds * 0.2 + Math.max(2.5, seconds * 0.15)),
  },
};
const log = (line: string) => process.stderr.write(`[bench:soak] ${line}\n`);

const runningFromSource = import.meta.url.endsWith(".ts");
const cli: ChildEntry = {
  main: fileURLToPath(new URL(`../src/cli/main.${runningFromSource ? "ts" : "js"}`, import.meta.url)),
  nodeArguments: runningFromSource ? ["--import", "tsx"] : [],
};

const datasetDir = values.dataset ?? join(sharedDatasetsDir() ?? "../shared/datasets", "banking77");
if (!existsSync(join(datasetDir, "labels.txt"))) {
  process.stderr.write(`bench:soak needs a dataset folder with labels.txt (${datasetDir} has none)\n`);
  process.exit(1);
}
const labels = readFileSync(join(datasetDir, "labels.txt"), "utf8").split("\n").filter(Boolean);
const answerColumn = values["answer-column"];
const answerFiles = [join(datasetDir, "dev.csv"), join(datasetDir, "test.csv")];
const answers = await loadRecordedAnswers(answerFiles, answerColumn);

const ownAdapterDir = values["adapter-dir"] === undefined;
const adapterDir = values["adapter-dir"] ?? (await mkdtemp(join(tmpdir(), "serve-soak-adapter-")));
if (!existsSync(join(adapterDir, "manifest.json"))) {
  log(`adapting ${basename(datasetDir)} into ${adapterDir}`);
  const adaptSeconds = await adaptBenchAdapter(
    {
      task: { name: basename(datasetDir), labels },
      datasetDir,
      answers,
      ...optionalCount("trainRows", values["train-rows"]),
      ...optionalCount("calibRows", values["calib-rows"]),
    },
    adapterDir,
  );
  log(`adapted in ${adaptSeconds.toFixed(1)} s`);
}
const routing = await loadAdapter(adapterDir);
const texts = [...new Set(answers.map((answer) => answer.text))];
const ssmTexts = texts.filter((text) => !routing.decide(text).useLm);
const lmTexts = texts.filter((text) => routing.decide(text).useLm);
log(`${ssmTexts.length} texts routed to the SSM, ${lmTexts.length} to the LLM`);
if (ssmTexts.length === 0 || lmTexts.length === 0) throw new Error("the adapter routes every text one way");

const logDir = await mkdtemp(join(tmpdir(), "serve-soak-log-"));
const decisionLogPath = join(logDir, "decisions.jsonl");
const started: CliChild[] = [];
try {
  const latencyMs = Number(values["latency-ms"]);
  const replay = await startSoakReplay(cli, { answerFiles, answerColumn, latencyMs });
  started.push(replay);
  const lmModel = answerColumn;
  const serve = await startSoakServe(cli, { adapterDir, lmBaseUrl: replay.url, lmModel, decisionLogPath });
  started.push(serve);
  log(
    `driving ${serve.url} for ${seconds} s; the upstream hangs from ${schedule.outage.fromSecond} s to ${schedule.outage.toSecond} s`,
  );
  const traffic = { url: serve.url, model: routing.task.name, ssmTexts, lmTexts };
  const inspectorUrl = inspectorUrlOf(serve.stderr());
  if (inspectorUrl === undefined) throw new Error(`serve did not open its inspector: ${serve.stderr()}`);
  const heap = await openHeapProbe(inspectorUrl);
  const measurement = await runSoak(traffic, { serve, replay, heap }, schedule, readRssMb).finally(() =>
    heap.close(),
  );
  const crashed = serve.exit() !== undefined;
  const exitCode = await serve.stop();
  const decisionLog = await readFile(decisionLogPath, "utf8").catch(() => "");
  const report = soakReportOf({
    dataset: basename(datasetDir),
    schedule,
    measurement,
    crashed,
    exitCode,
    serveStderr: serve.stderr(),
    decisionLogLines: decisionLog.split("\n").length - 1,
  });
  if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else printSoakReport(report);
  process.exitCode = report.pass ? 0 : 1;
} finally {
  for (const child of started) child.kill();
  await rm(logDir, { recursive: true, force: true });
  if (ownAdapterDir) await rm(adapterDir, { recursive: true, force: true });
}

/** A process's resident memory now, in MB with one decimal (from /proc/PID/status; NaN when absent). */
function readRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  return match?.[1] === undefined ? Number.NaN : round1(Number(match[1]) / 1024);
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

/** `{ [key]: n }` for a count flag that was given, `{}` otherwise. */
function optionalCount<K extends string>(key: K, value: string | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: Number(value) } as Partial<Record<K, number>>);
}
