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
 * Run after a build: `npm run bench:serve [-- --json] [--duration 10] [--connections 64]
 * [--latency-ms 50] [--lm-samples 200] [--adapter-dir DIR]` (an adapter already in DIR is reused).
 */
import { type ChildProcess, fork, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { adapt } from "../src/adapt/adapt.js";
import { loadAdapter } from "../src/adapter/load-adapter.js";
import { loadRecordedAnswers } from "../src/data/recorded-answers.js";
import { sharedDatasetsDir } from "../src/data/shared-datasets.js";
import { loadRows } from "../src/data/stream-rows.js";
import { createClassificationPrompter } from "../src/large-models/classification-prompt.js";
import { createOpenAICompatibleModel } from "../src/large-models/openai-compatible-model.js";
import { startReplayServer } from "../src/replay/replay-server.js";
import type { Task } from "../src/spec/task.js";
import type { LoadGeneratorResult, LoadGeneratorSettings } from "./load-generator.js";

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

const jsonHeaders = { "content-type": "application/json" };
const targets = { requestsPerSecond: 3000, p99Ms: 20, rssMb: 200, lmOverheadMs: 2 };
const runningFromSource = import.meta.url.endsWith(".ts");
const extension = runningFromSource ? "ts" : "js";
const cliMain = fileURLToPath(new URL(`../src/cli/main.${extension}`, import.meta.url));
const loadGeneratorMain = fileURLToPath(new URL(`./load-generator.${extension}`, import.meta.url));
const passThroughProxyMain = fileURLToPath(new URL(`./pass-through-proxy.${extension}`, import.meta.url));
const nodeArguments = runningFromSource ? ["--import", "tsx"] : [];

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
  const replay = await startReplayServer({ answers, model: "gpt4" });
  try {
    const started = performance.now();
    const result = await adapt({
      task,
      trainRows: await loadRows(join(datasetDir, "train.csv")),
      calibRows: await loadRows(join(datasetDir, "dev.csv")),
      largeModel: createOpenAICompatibleModel({ baseUrl: replay.url, model: "gpt4" }),
      concurrency: 16,
      seed: 1,
    });
    await result.save(adapterDir);
    adaptSeconds = (performance.now() - started) / 1000;
    log(`adapted in ${adaptSeconds.toFixed(1)} s`);
  } finally {
    await replay.close();
  }
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
const replay = await startReplayChild();
const passThroughProxy = await startPassThroughProxy(new URL(replay.url).origin, "node-http");
const honoForwarder = await startPassThroughProxy(new URL(replay.url).origin, "hono");
const logDir = await mkdtemp(join(tmpdir(), "serve-bench-log-"));
const decisionLogPath = join(logDir, "decisions.jsonl");
const server = await startServeChild();
try {
  const idleRssMb = readRssMb(server.pid);
  const bodies = ssmTexts.map((text) =>
    JSON.stringify({ model: "banking77", messages: [{ role: "user", content: text }] }),
  );
  const url = `${server.url}/v1/chat/completions`;
  log("warm-up: 3 s");
  await runLoad({ url, bodies, connections, durationSeconds: 3, headers: jsonHeaders });
  log(`SSM-routed load: ${connections} connections for ${durationSeconds} s`);
  const sampler = sampleRss(server.pid);
  const cpuBefore = readCpuMs(server.pid);
  const load = await runLoad({ url, bodies, connections, durationSeconds, headers: jsonHeaders });
  const peakRssMb = sampler.stop();
  const serverCpuMsPerRequest = (readCpuMs(server.pid) - cpuBefore) / Math.max(1, load.requests);
  const errors = load.errors + load.timeouts + load.non2xx;

  log(
    `LM-routed latency: ${lmSamples} rounds of interleaved requests to the replay server (${upstreamLatencyMs} ms), through serve and a do-nothing node:http forwarder, then again with a do-nothing Hono forwarder in serve's place`,
  );
  const lmRouted = await measureLmOverhead(
    server.url,
    replay.url,
    { nodeHttp: passThroughProxy.url, hono: honoForwarder.url },
    server.pid,
  );

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
  passThroughProxy.kill();
  honoForwarder.kill();
  await rm(logDir, { recursive: true, force: true });
  if (ownAdapterDir) await rm(adapterDir, { recursive: true, force: true });
}

interface BenchReport {
  dataset: string;
  adaptSeconds: number | undefined;
  ssmRoutedShareOfTest: number;
  ssmRouted: Pick<
    LoadGeneratorResult,
    "requests" | "requestsPerSecond" | "latencyP50Ms" | "latencyP99Ms" | "latencyMaxMs"
  > & {
    connections: number;
    durationSeconds: number;
    /** Errors, timeouts and non-2xx responses together. */
    errors: number;
    serverCpuMsPerRequest: number;
    idleRssMb: number;
    peakRssMb: number;
  };
  lmRouted: LmOverhead;
  targets: typeof targets;
  pass: Record<"requestsPerSecond" | "p99" | "errors" | "rss" | "lmOverhead", boolean>;
  serveExitCode?: number | null;
  decisionLogLines?: number;
}

interface ServeChild {
  url: string;
  pid: number;
  stop(): Promise<number | null>;
  kill(): void;
}

async function startServeChild(): Promise<ServeChild> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...nodeArguments,
      cliMain,
      "serve",
      "--adapter",
      adapterDir,
      "--lm-base-url",
      replay.url,
      "--lm-model",
      "gpt4",
      "--no-cache",
      "--max-retries",
      "0",
      "--concurrency",
      "64",
      "--port",
      "0",
      // Serving as deployed: every answer goes to the decision log.
      "--log",
      decisionLogPath,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await listeningUrl(child, "serve");
  return {
    url,
    pid: child.pid ?? 0,
    stop: () => {
      child.kill("SIGTERM");
      return exited;
    },
    kill: () => {
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}

/** The URL a child CLI server prints in its "listening on http://…" line (rejects if it exits first). */
function listeningUrl(child: ChildProcess, name: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let output = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`${name} exited with ${code} before listening`)));
  });
}

interface ChildService {
  url: string;
  kill(): void;
}

/** `easy-adapt replay-server` with banking77's recorded gpt4 answers and the upstream latency, in a child process. */
async function startReplayChild(): Promise<ChildService> {
  const child = spawn(
    process.execPath,
    [
      ...nodeArguments,
      cliMain,
      "replay-server",
      "--answers",
      join(datasetDir, "dev.csv"),
      join(datasetDir, "test.csv"),
      "--answer-column",
      "gpt4",
      "--model",
      "gpt4",
      "--latency-ms",
      String(upstreamLatencyMs),
      "--port",
      "0",
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const url = await listeningUrl(child, "replay-server");
  return {
    url,
    kill: () => {
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}

function startPassThroughProxy(
  upstreamOrigin: string,
  framework: "node-http" | "hono",
): Promise<ChildService> {
  return new Promise((resolve, reject) => {
    const child = fork(passThroughProxyMain, [], {
      execArgv: nodeArguments,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    child.once("message", (url) =>
      resolve({
        url: String(url),
        kill: () => {
          if (child.exitCode === null) child.kill("SIGKILL");
        },
      }),
    );
    child.once("exit", (code) => reject(new Error(`the pass-through proxy exited with ${code}`)));
    child.send({ upstreamOrigin, framework });
  });
}

function runLoad(settings: LoadGeneratorSettings): Promise<LoadGeneratorResult> {
  return new Promise((resolve, reject) => {
    const child = fork(loadGeneratorMain, [], {
      execArgv: nodeArguments,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    child.once("message", (message) => resolve(message as LoadGeneratorResult));
    child.once("exit", (code) => {
      if (code !== 0) reject(new Error(`load generator exited with ${code}`));
    });
    child.send(settings);
  });
}

/** User + system CPU time of a process so far, in milliseconds (from /proc/PID/stat, clock ticks of 10 ms). */
function readCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function readRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  return match?.[1] === undefined ? Number.NaN : Math.round(Number(match[1]) / 1024);
}

function sampleRss(pid: number): { stop(): number } {
  let peak = readRssMb(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, readRssMb(pid));
  }, 200);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, readRssMb(pid));
    },
  };
}

interface LmOverhead {
  upstreamLatencyMs: number;
  samples: number;
  /** Load average (1 min) of the machine when the measurement ended: other work on the cores inflates every hop. */
  loadAverage: number;
  directMedianMs: number;
  servedMedianMs: number;
  directMeanMs: number;
  servedMeanMs: number;
  /** The target's measure: median through serve minus median straight to the upstream. */
  overheadMedianMs: number;
  overheadMeanMs: number;
  /** The same for a do-nothing node:http forwarder (the price of any extra loopback hop here and now). */
  passThroughOverheadMedianMs: number;
  /** The same for a do-nothing Hono forwarder on @hono/node-server (the hop with serve's server library). */
  honoPassThroughOverheadMedianMs: number;
  /** serve's CPU (user + system, from /proc, sampled at 4 ms ticks) per LM-routed request. */
  serverCpuMsPerRequest: number;
  /** Inside serve (its /metrics): the LM call (SSM + connector + network + upstream), mean. */
  lmCallInsideServeMeanMs: number;
  /** Inside serve: the whole request, mean. */
  requestInsideServeMeanMs: number;
  /** Inside serve: the request minus the LM call (routing, parsing, logging), mean. */
  serveOwnWorkMeanMs: number;
  routes: Record<string, number>;
}

/**
 * Sequential requests, one of each kind per round in a rotating order (so that none always runs
 * right after another): the classification prompt straight to the upstream, the same text through
 * serve (which builds that same prompt), and the prompt through the do-nothing node:http forwarder;
 * then a second pass with the do-nothing Hono forwarder in serve's place. Every text
 * was routed to the LM by the adapter (an answer may still come back as route ssm when the gate
 * overrules the LM: the LM was called all the same).
 */
async function measureLmOverhead(
  serveUrl: string,
  replayUrl: string,
  forwarders: { nodeHttp: string; hono: string },
  servePid: number,
): Promise<LmOverhead> {
  const prompter = createClassificationPrompter(task);
  const direct: number[] = [];
  const served: number[] = [];
  const proxied: number[] = [];
  const honoProxied: number[] = [];
  const routes: Record<string, number> = {};
  const time = async (url: string, body: string): Promise<{ ms: number; route: string | null }> => {
    const started = performance.now();
    const response = await fetch(url, { method: "POST", headers: jsonHeaders, body });
    await response.arrayBuffer();
    const ms = performance.now() - started;
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
    return { ms, route: response.headers.get("x-easy-adapt-route") };
  };
  type Kind = "direct" | "served" | "proxied" | "hono";
  /**
   * `lmSamples` rounds of three sequential requests, one of each kind, in a rotating order, after
   * `warmUp` rounds: every path (the bench's fetch, serve's, the upstream's, the forwarders') needs
   * a few hundred calls before V8 has optimised it. Three a round in both passes, so that every
   * process waits as long between its requests (a longer wait leaves it colder).
   */
  const warmUp = 150;
  const runRounds = async (
    kinds: readonly [Kind, Kind, Kind],
    record: (kind: Kind, ms: number, route: string | null) => void,
    onMeasuring?: () => Promise<void>,
  ): Promise<void> => {
    for (let index = 0; index < lmSamples + warmUp; index += 1) {
      if (index === warmUp) await onMeasuring?.();
      const text = lmTexts[index % lmTexts.length]!;
      const request = prompter(text);
      const upstreamBody = JSON.stringify({
        model: "gpt4",
        messages: request.messages,
        temperature: request.temperature,
        max_tokens: request.maxTokens,
      });
      const serveBody = JSON.stringify({ model: "banking77", messages: [{ role: "user", content: text }] });
      for (let turn = 0; turn < kinds.length; turn += 1) {
        const kind = kinds[(index + turn) % kinds.length]!;
        const timing =
          kind === "direct"
            ? await time(`${replayUrl}/chat/completions`, upstreamBody)
            : kind === "served"
              ? await time(`${serveUrl}/v1/chat/completions`, serveBody)
              : await time(
                  `${kind === "proxied" ? forwarders.nodeHttp : forwarders.hono}/v1/chat/completions`,
                  upstreamBody,
                );
        if (index >= warmUp) record(kind, timing.ms, timing.route);
      }
    }
  };
  let cpuBefore = 0;
  let before: ServerTimings | undefined;
  await runRounds(
    ["direct", "served", "proxied"],
    (kind, ms, route) => {
      if (kind === "direct") direct.push(ms);
      else if (kind === "proxied") proxied.push(ms);
      else {
        served.push(ms);
        routes[route ?? "none"] = (routes[route ?? "none"] ?? 0) + 1;
      }
    },
    async () => {
      before = await scrapeTimings(serveUrl);
      cpuBefore = readCpuMs(servePid);
    },
  );
  const serveCpuMs = readCpuMs(servePid) - cpuBefore;
  const after = await scrapeTimings(serveUrl);
  const lmCallMeanMs =
    (1000 * (after.lmCallSeconds - (before?.lmCallSeconds ?? 0))) /
    Math.max(1, after.lmCalls - (before?.lmCalls ?? 0));
  const requestMeanMs =
    (1000 * (after.chatSeconds - (before?.chatSeconds ?? 0))) /
    Math.max(1, after.chatRequests - (before?.chatRequests ?? 0));
  // Second pass, the same cadence: the Hono forwarder in serve's place, against its own direct requests.
  const honoDirect: number[] = [];
  await runRounds(["direct", "hono", "proxied"], (kind, ms) => {
    if (kind === "direct") honoDirect.push(ms);
    else if (kind === "hono") honoProxied.push(ms);
  });
  return {
    upstreamLatencyMs,
    samples: lmSamples,
    loadAverage: round(loadavg()[0] ?? 0),
    directMedianMs: round(median(direct)),
    servedMedianMs: round(median(served)),
    directMeanMs: round(mean(direct)),
    servedMeanMs: round(mean(served)),
    overheadMedianMs: round(median(served) - median(direct)),
    overheadMeanMs: round(mean(served) - mean(direct)),
    passThroughOverheadMedianMs: round(median(proxied) - median(direct)),
    honoPassThroughOverheadMedianMs: round(median(honoProxied) - median(honoDirect)),
    serverCpuMsPerRequest: round(serveCpuMs / lmSamples, 3),
    lmCallInsideServeMeanMs: round(lmCallMeanMs),
    requestInsideServeMeanMs: round(requestMeanMs),
    serveOwnWorkMeanMs: round(requestMeanMs - lmCallMeanMs),
    routes,
  };
}

interface ServerTimings {
  lmCalls: number;
  lmCallSeconds: number;
  chatRequests: number;
  chatSeconds: number;
}

/** LM-call and chat-request latency sums and counts from the server's /metrics. */
async function scrapeTimings(serveUrl: string): Promise<ServerTimings> {
  const text = await (await fetch(`${serveUrl}/metrics`)).text();
  const value = (name: string): number => {
    const line = text.split("\n").find((candidate) => candidate.startsWith(`${name} `));
    return line === undefined ? 0 : Number(line.slice(name.length + 1));
  };
  const chat = 'endpoint="chat_completions"';
  return {
    lmCalls: value("easy_adapt_lm_call_duration_seconds_count"),
    lmCallSeconds: value("easy_adapt_lm_call_duration_seconds_sum"),
    chatRequests: value(`easy_adapt_http_request_duration_seconds_count{${chat}}`),
    chatSeconds: value(`easy_adapt_http_request_duration_seconds_sum{${chat}}`),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function printTable(report: BenchReport): void {
  const mark = (ok: boolean) => (ok ? "ok" : "MISSED");
  const ssm = report.ssmRouted;
  const lm = report.lmRouted;
  const rows: [string, string, string, string][] = [
    ["measure", "value", "target", ""],
    [
      "SSM-routed: requests/s",
      String(ssm.requestsPerSecond),
      `>= ${targets.requestsPerSecond}`,
      mark(report.pass.requestsPerSecond),
    ],
    ["SSM-routed: p50 latency", `${ssm.latencyP50Ms} ms`, "", ""],
    ["SSM-routed: p99 latency", `${ssm.latencyP99Ms} ms`, `<= ${targets.p99Ms} ms`, mark(report.pass.p99)],
    ["SSM-routed: errors (incl. non-2xx, timeouts)", String(ssm.errors), "0", mark(report.pass.errors)],
    ["SSM-routed: server CPU", `${ssm.serverCpuMsPerRequest} ms/request`, "", ""],
    [
      "server RSS idle / peak under load",
      `${ssm.idleRssMb} / ${ssm.peakRssMb} MB`,
      `<= ${targets.rssMb} MB`,
      mark(report.pass.rss),
    ],
    ["LM-routed: upstream alone, median", `${lm.directMedianMs} ms`, "", ""],
    ["LM-routed: through serve, median", `${lm.servedMedianMs} ms`, "", ""],
    [
      "LM-routed: added latency median / mean",
      `${lm.overheadMedianMs} / ${lm.overheadMeanMs} ms`,
      `<= ${targets.lmOverheadMs} ms`,
      mark(report.pass.lmOverhead),
    ],
    [
      "LM-routed: a do-nothing node:http forwarder adds, median",
      `${lm.passThroughOverheadMedianMs} ms`,
      "",
      `(machine load ${lm.loadAverage})`,
    ],
    [
      "LM-routed: a do-nothing Hono forwarder adds, median",
      `${lm.honoPassThroughOverheadMedianMs} ms`,
      "",
      "",
    ],
    ["LM-routed, inside serve: LM call mean", `${lm.lmCallInsideServeMeanMs} ms`, "", ""],
    ["LM-routed, inside serve: own work mean", `${lm.serveOwnWorkMeanMs} ms`, "", ""],
  ];
  const widths = [0, 1, 2, 3].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines = [
    `serve benchmark: banking77 adapter (${(report.ssmRoutedShareOfTest * 100).toFixed(1)}% of test texts SSM-routed), ` +
      `${ssm.connections} connections x ${ssm.durationSeconds} s, upstream latency ${lm.upstreamLatencyMs} ms, ` +
      `${lm.samples} LM samples${report.adaptSeconds === undefined ? "" : `, adapt ${report.adaptSeconds.toFixed(1)} s`}`,
    ...rows.map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join("  ")
        .trimEnd(),
    ),
    `LM-routed answers by route: ${JSON.stringify(lm.routes)}; serve exited with ${report.serveExitCode} after SIGTERM; ` +
      `decision log: ${report.decisionLogLines} lines`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}
