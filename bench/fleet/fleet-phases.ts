import type { Redis } from "ioredis";
import { type ChildEntry, runLoad } from "../serve-bench/child-processes.js";
import { jsonHeaders } from "../serve-bench/lm-overhead.js";
import { readCpuMs } from "../serve-bench/process-usage.js";
import { median, round } from "../serve-bench/statistics.js";
import type { CountingReplay } from "./counting-replay.js";
import { type Fleet, startFleet } from "./fleet.js";
import { type ReplicaSettings, startReplicas } from "./fleet-replicas.js";
import type { LoadFigures, SsmRouteFigures, WindowFigures } from "./fleet-report.js";
import { failedCount, startFleetLoad } from "./fleet-traffic.js";
import type { TestRedis } from "./redis-server.js";

/** What every phase of bench:fleet needs: the processes, the texts and the load's settings. */
export interface FleetBenchSetup {
  cli: ChildEntry;
  loadGenerator: ChildEntry;
  /** The replicas' settings, `--redis` included. */
  replicas: ReplicaSettings & { redisUrl: string };
  redis: TestRedis;
  /** A client of that redis-server, for FLUSHALL and INFO. */
  admin: Redis;
  replay: CountingReplay;
  /** The served model (the adapter's task name) and its LM-share cap S. */
  model: string;
  share: number;
  connections: number;
  durationSeconds: number;
  warmUpSeconds: number;
  /** The dataset's texts (the LLM-routed ones answered from the shared cache after the warm-up). */
  texts: readonly string[];
  ssmTexts: readonly string[];
  /** A text no replica has seen (no cache hit), and whether the router sends it to the LLM. */
  fresh(): { text: string; routerWantsLm: boolean };
}

const chatBodies = (model: string, texts: readonly string[]) =>
  texts.map((text) => JSON.stringify({ model, messages: [{ role: "user", content: text }] }));

/** autocannon (in its own process) against `url`: `warmUp()`, then `measure()` for the bench's duration. */
function loadRunner(setup: FleetBenchSetup, url: string, texts: readonly string[]) {
  const settings = {
    url: `${url}/v1/chat/completions`,
    bodies: chatBodies(setup.model, texts),
    connections: setup.connections,
    headers: jsonHeaders,
  };
  return {
    warmUp: () => runLoad(setup.loadGenerator, { ...settings, durationSeconds: setup.warmUpSeconds }),
    async measure(): Promise<LoadFigures> {
      const load = await runLoad(setup.loadGenerator, {
        ...settings,
        durationSeconds: setup.durationSeconds,
      });
      return {
        requests: load.requests,
        requestsPerSecond: Math.round(load.requestsPerSecond),
        latencyP50Ms: load.latencyP50Ms,
        latencyP99Ms: load.latencyP99Ms,
        errors: load.errors + load.timeouts + load.non2xx,
      };
    },
  };
}

/** Requests/s and latency of `count` replicas behind HAProxy, on the dataset's mixed texts. */
export async function measureFleetThroughput(setup: FleetBenchSetup, fleet: Fleet): Promise<LoadFigures> {
  const runner = loadRunner(setup, fleet.url, setup.texts);
  await runner.warmUp();
  return runner.measure();
}

/** Starts `count` replicas behind HAProxy with the bench's settings. */
export function startBenchFleet(setup: FleetBenchSetup, count: number): Promise<Fleet> {
  return startFleet(setup.cli, setup.replicas, count);
}

/**
 * `inputs` texts never seen before through HAProxy, Redis emptied first: the LLM calls counted at
 * the replay server against ⌈S·n⌉ and the bound ⌈S·n⌉ + replicas.
 */
export async function measureCap(setup: FleetBenchSetup, fleet: Fleet, inputs: number) {
  await setup.admin.flushall();
  const sent = Array.from({ length: inputs }, () => setup.fresh());
  const before = setup.replay.calls();
  const outcomes = await startFleetLoad(
    fleet.url,
    setup.model,
    (index) => sent[index]?.text,
    setup.connections,
  ).done;
  const window = windowFigures(setup, outcomes.length, setup.replay.calls() - before);
  const bound = window.capCalls + fleet.replicas.ports.length;
  return {
    ...window,
    failed: failedCount(outcomes),
    routerWantedLm: sent.filter((input) => input.routerWantsLm).length,
    bound,
    withinBound: window.lmCalls <= bound,
  };
}

/** Inputs, LLM calls, ⌈S·n⌉ and the overshoot over a stretch of the load. */
function windowFigures(setup: FleetBenchSetup, inputs: number, lmCalls: number): WindowFigures {
  const capCalls = Math.ceil(setup.share * inputs);
  return { inputs, lmCalls, capCalls, overshoot: lmCalls - capCalls };
}

/**
 * Fresh inputs through HAProxy while redis-server is killed for `seconds` and restarted: the
 * requests that failed, and the cap over the whole phase and over the outage alone.
 */
export async function measureRedisOutage(setup: FleetBenchSetup, fleet: Fleet, seconds: number) {
  await setup.admin.flushall();
  const before = setup.replay.calls();
  const load = startFleetLoad(fleet.url, setup.model, () => setup.fresh().text, setup.connections);
  await sleep(1000);
  const downAt = { inputs: load.finished(), calls: setup.replay.calls() };
  await setup.redis.kill();
  await sleep(seconds * 1000);
  await setup.redis.restart();
  const backAt = { inputs: load.finished(), calls: setup.replay.calls() };
  // Each replica reconnects at most once a second.
  await sleep(1500);
  const outcomes = await load.stop();
  if (setup.admin.status !== "ready") await setup.admin.connect().catch(() => {});
  return {
    outageSeconds: seconds,
    failed: failedCount(outcomes),
    whole: windowFigures(setup, outcomes.length, setup.replay.calls() - before),
    duringOutage: windowFigures(setup, backAt.inputs - downAt.inputs, backAt.calls - downAt.calls),
  };
}

/**
 * One replica, no load balancer, SSM-routed texts only: requests/s without `--redis` and with it,
 * in alternating rounds (the median of each), serve's CPU time per request (from /proc: less
 * swayed than requests/s by what else the machine runs), and the commands Redis received meanwhile.
 */
export async function measureSsmRoute(setup: FleetBenchSetup, rounds: number): Promise<SsmRouteFigures> {
  type Run = LoadFigures & { cpuMsPerRequest: number };
  const runs: Record<"withoutRedis" | "withRedis", Run[]> = { withoutRedis: [], withRedis: [] };
  const commands: Record<string, number> = {};
  let requestsWithRedis = 0;
  for (let roundIndex = 0; roundIndex < rounds; roundIndex += 1) {
    for (const mode of ["withoutRedis", "withRedis"] as const) {
      const { redisUrl: _shared, ...local } = setup.replicas;
      const replica = await startReplicas(setup.cli, mode === "withRedis" ? setup.replicas : local, 1);
      try {
        const runner = loadRunner(setup, replica.replica(0).url, setup.ssmTexts);
        await runner.warmUp();
        const before = await commandsProcessed(setup.admin);
        const cpuBefore = readCpuMs(replica.replica(0).pid);
        const load = await runner.measure();
        const cpuMsPerRequest = (readCpuMs(replica.replica(0).pid) - cpuBefore) / Math.max(1, load.requests);
        const figures = { ...load, cpuMsPerRequest };
        if (mode === "withRedis") {
          const added = commandsBetween(before, await commandsProcessed(setup.admin));
          for (const [name, calls] of Object.entries(added)) commands[name] = (commands[name] ?? 0) + calls;
          requestsWithRedis += figures.requests;
        }
        runs[mode].push(figures);
      } finally {
        await replica.stop();
      }
    }
  }
  const summary = (figures: Run[]) => ({
    roundsRequestsPerSecond: figures.map((run) => run.requestsPerSecond),
    requestsPerSecond: Math.round(median(figures.map((run) => run.requestsPerSecond))),
    serveCpuMsPerRequest: round(median(figures.map((run) => run.cpuMsPerRequest)), 3),
    latencyP99Ms: median(figures.map((run) => run.latencyP99Ms)),
    errors: figures.reduce((sum, run) => sum + run.errors, 0),
  });
  const total = Object.values(commands).reduce((sum, calls) => sum + calls, 0);
  const withoutRedis = summary(runs.withoutRedis);
  const withRedis = summary(runs.withRedis);
  return {
    rounds,
    withoutRedis,
    withRedis,
    ratio: round(withRedis.requestsPerSecond / Math.max(1, withoutRedis.requestsPerSecond), 3),
    redisCommands: commands,
    redisCommandsPerRequest: round(total / Math.max(1, requestsWithRedis), 4),
  };
}

/** Redis's count of each command it processed since it started (INFO commandstats), this INFO included. */
async function commandsProcessed(admin: Redis): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const match of (await admin.info("commandstats")).matchAll(/^cmdstat_(\S+?):calls=(\d+)/gm))
    counts[match[1] ?? ""] = Number(match[2]);
  return counts;
}

/** The commands counted in `after` and not in `before`, by name (the INFO that read `after` left out). */
function commandsBetween(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  const between: Record<string, number> = {};
  for (const [name, calls] of Object.entries(after)) {
    const added = calls - (before[name] ?? 0) - (name === "info" ? 1 : 0);
    if (added > 0) between[name] = (between[name] ?? 0) + added;
  }
  return between;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
