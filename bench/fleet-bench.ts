/**
 * Fleet benchmark: `easy-adapt serve --redis` replicas (the real CLI, each in its own process)
 * behind Debian's HAProxy on loopback, one Debian redis-server, the replay server (in this process,
 * counting every LLM call the fleet makes, `--latency-ms` a reply) as the LLM, an adapter at
 * `--max-lm-share S` (0.1) whose router wants the LLM for more than S of the inputs (its threshold
 * moved so that it sends `--router-share` (0.3) of the texts there; `--router-share ""`: as
 * adapted). Prints:
 * - requests/s and p50/p99 for one replica behind HAProxy and for three (autocannon in its own
 *   process, `--connections` for `--duration` s after `--warm-up` s, on the dataset's texts, the
 *   LLM-routed ones answered from the shared cache after the warm-up);
 * - the cap over three replicas: `--inputs` (3,000) texts never seen before, the LLM calls against
 *   ⌈S·n⌉ + 3;
 * - Redis killed for `--outage-seconds` (10) under load and restarted: failed requests, and the
 *   cap's overshoot over the phase and during the outage;
 * - the SSM route's requests/s on one replica without `--redis` and with it (alternating rounds),
 *   and the commands Redis received meanwhile.
 * Run: `npm run bench:fleet [-- --json] [--duration 10] [--warm-up 2] [--connections 32] [--latency-ms 20]
 * [--share 0.1] [--router-share 0.3] [--inputs 3000] [--outage-seconds 10] [--ssm-rounds 2] [--adapter-dir DIR]
 * [--train-rows N] [--calib-rows N] [--dataset DIR --answer-column COL]` (banking77 by default).
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { loadAdapter } from "../src/adapter/load-adapter.js";
import { loadRecordedAnswers } from "../src/data/recorded-answers.js";
import { adaptBenchAdapter } from "./bench-adapter.js";
import { writeCappedAdapter } from "./fleet/capped-adapter.js";
import { startCountingReplay } from "./fleet/counting-replay.js";
import {
  type FleetBenchSetup,
  measureCap,
  measureFleetThroughput,
  measureRedisOutage,
  measureSsmRoute,
  startBenchFleet,
} from "./fleet/fleet-phases.js";
import { type FleetReport, fleetTargets, printFleetReport } from "./fleet/fleet-report.js";
import { haproxyMissing } from "./fleet/haproxy.js";
import { redisMissing, startTestRedis } from "./fleet/redis-server.js";
import type { ChildEntry } from "./serve-bench/child-processes.js";
import { round } from "./serve-bench/statistics.js";
import { sharedDatasetsDir } from "./shared-datasets.js";

const { values } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    duration: { type: "string", default: "10" },
    "warm-up": { type: "string", default: "2" },
    connections: { type: "string", default: "32" },
    "latency-ms": { type: "string", default: "20" },
    share: { type: "string", default: "0.1" },
    "router-share": { type: "string", default: "0.3" },
    inputs: { type: "string", default: "3000" },
    "outage-seconds": { type: "string", default: "10" },
    "ssm-rounds": { type: "string", default: "2" },
    dataset: { type: "string" },
    "answer-column": { type: "string", default: "gpt4" },
    "adapter-dir": { type: "string" },
    "train-rows": { type: "string" },
    "calib-rows": { type: "string" },
  },
});
const log = (line: string) => process.stderr.write(`[bench:fleet] ${line}\n`);
const missing = haproxyMissing ?? redisMissing;
if (missing !== undefined) {
  process.stderr.write(`bench:fleet needs Debian's haproxy and redis-server: ${missing}\n`);
  process.exit(1);
}

const runningFromSource = import.meta.url.endsWith(".ts");
const entry = (path: string): ChildEntry => ({
  main: fileURLToPath(new URL(`${path}.${runningFromSource ? "ts" : "js"}`, import.meta.url)),
  nodeArguments: runningFromSource ? ["--import", "tsx"] : [],
});

const datasetDir = values.dataset ?? join(sharedDatasetsDir() ?? "../shared/datasets", "banking77");
if (!existsSync(join(datasetDir, "labels.txt"))) {
  process.stderr.write(`bench:fleet needs a dataset folder with labels.txt (${datasetDir} has none)\n`);
  process.exit(1);
}
const labels = readFileSync(join(datasetDir, "labels.txt"), "utf8").split("\n").filter(Boolean);
const answers = await loadRecordedAnswers(
  [join(datasetDir, "dev.csv"), join(datasetDir, "test.csv")],
  values["answer-column"],
);
const share = Number(values.share);
const workDir = await mkdtemp(join(tmpdir(), "fleet-bench-"));
const sourceDir = values["adapter-dir"] ?? join(workDir, "adapter");
if (!existsSync(join(sourceDir, "manifest.json"))) {
  log(`adapting ${basename(datasetDir)} into ${sourceDir}`);
  const task = { name: basename(datasetDir), labels };
  const seconds = await adaptBenchAdapter(
    {
      task,
      datasetDir,
      answers,
      ...(values["train-rows"] === undefined ? {} : { trainRows: Number(values["train-rows"]) }),
      ...(values["calib-rows"] === undefined ? {} : { calibRows: Number(values["calib-rows"]) }),
    },
    sourceDir,
  );
  log(`adapted in ${seconds.toFixed(1)} s`);
}
const adapterDir = join(workDir, "capped");
const texts = [...new Set(answers.map((answer) => answer.text))];
const routerShare = values["router-share"] === "" ? undefined : Number(values["router-share"]);
await writeCappedAdapter(sourceDir, adapterDir, {
  share,
  ...(routerShare === undefined ? {} : { router: { texts, share: routerShare } }),
});
const routing = await loadAdapter(adapterDir);
const ssmTexts = texts.filter((text) => !routing.decide(text).useLm);
log(`${texts.length - ssmTexts.length} of ${texts.length} texts routed to the LLM; cap ${share}`);

const redis = await startTestRedis();
const admin = new Redis(redis.url, { maxRetriesPerRequest: 0 });
admin.on("error", () => {});
const upstreamLatencyMs = Number(values["latency-ms"]);
const replay = await startCountingReplay(answers, upstreamLatencyMs);
let sent = 0;
const setup: FleetBenchSetup = {
  cli: entry("../src/cli/main"),
  loadGenerator: entry("./load-generator"),
  replicas: { adapterDir, lmBaseUrl: replay.url, lmModel: "gpt4", redisUrl: redis.url },
  redis,
  admin,
  replay,
  model: routing.task.name,
  share,
  connections: Number(values.connections),
  durationSeconds: Number(values.duration),
  warmUpSeconds: Number(values["warm-up"]),
  texts,
  ssmTexts,
  fresh() {
    const text = `${texts[sent % texts.length]} (#${sent++})`;
    return { text, routerWantsLm: routing.decide(text).useLm };
  },
};
try {
  const report = await runPhases(setup);
  if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else printFleetReport(report);
} finally {
  admin.disconnect();
  await replay.close();
  await redis.stop();
  await rm(workDir, { recursive: true, force: true });
}

/** One replica, then three (throughput, cap, Redis outage), then the SSM route with and without Redis. */
async function runPhases(setup: FleetBenchSetup): Promise<FleetReport> {
  log(`one replica behind HAProxy: ${setup.connections} connections for ${setup.durationSeconds} s`);
  const single = await startBenchFleet(setup, 1);
  const oneReplica = await measureFleetThroughput(setup, single).finally(() => single.close());
  log("three replicas behind HAProxy");
  const fleet = await startBenchFleet(setup, 3);
  try {
    const threeReplicas = await measureFleetThroughput(setup, fleet);
    log(`the cap: ${values.inputs} fresh inputs`);
    const cap = await measureCap(setup, fleet, Number(values.inputs));
    const outageSeconds = Number(values["outage-seconds"]);
    log(`Redis killed for ${outageSeconds} s under load`);
    const redisOutage = await measureRedisOutage(setup, fleet, outageSeconds);
    await fleet.close();
    log("the SSM route on one replica, without and with --redis");
    const ssmRoute = await measureSsmRoute(setup, Number(values["ssm-rounds"]));
    return {
      dataset: basename(datasetDir),
      cores: cpus().length,
      share: setup.share,
      routerShare: round(1 - setup.ssmTexts.length / setup.texts.length, 3),
      connections: setup.connections,
      durationSeconds: setup.durationSeconds,
      warmUpSeconds: setup.warmUpSeconds,
      upstreamLatencyMs,
      throughput: {
        oneReplica,
        threeReplicas,
        gain: round(threeReplicas.requestsPerSecond / Math.max(1, oneReplica.requestsPerSecond), 2),
      },
      cap,
      redisOutage,
      ssmRoute,
      targets: fleetTargets,
      pass: {
        cap: cap.withinBound,
        noFailedRequests:
          cap.failed + redisOutage.failed + oneReplica.errors + threeReplicas.errors ===
          fleetTargets.failedRequests,
        ssmRoute: ssmRoute.ratio >= fleetTargets.ssmRedisRatio,
      },
    };
  } finally {
    fleet.replicas.killAll();
    await fleet.haproxy.stop();
  }
}
