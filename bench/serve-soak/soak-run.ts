import { createSeededRandom } from "../../src/util/seeded-random.js";
import type { HeapProbe } from "./heap-probe.js";
import type { CliChild } from "./soak-children.js";
import type { OutcomesByKind } from "./soak-report.js";
import { type Outcome, pickKind, type RequestKind, sendRequest, type TrafficSetup } from "./soak-traffic.js";

/** How long the soak runs, how many requests it keeps in flight, and when the upstream hangs. */
export interface SoakSchedule {
  seconds: number;
  connections: number;
  seed: number;
  /** The upstream is stopped (SIGSTOP: it accepts connections and answers nothing) over this window, in seconds. */
  outage: { fromSecond: number; toSecond: number };
}

/** What a soak run measured: each request's outcome by kind, serve's RSS once a second, the time it took. */
export interface SoakMeasurement {
  outcomes: OutcomesByKind;
  rssSamplesMb: number[];
  /** serve's live JS heap and RSS right after a full garbage collection, at the middle and at the end. */
  afterFullGc: { second: number; liveHeapMb: number; rssMb: number }[];
  elapsedSeconds: number;
}

/**
 * Drives serve for `schedule.seconds`: `connections` loops each send one request after another (a
 * kind drawn by its weight), while serve's RSS is read from /proc once a second and the replay
 * server is stopped and resumed over the outage window. Waits for the requests in flight at the end.
 */
export async function runSoak(
  traffic: TrafficSetup,
  processes: { serve: CliChild; replay: CliChild; heap: HeapProbe },
  schedule: SoakSchedule,
  readRssMb: (pid: number) => number,
): Promise<SoakMeasurement> {
  const outcomes: OutcomesByKind = new Map();
  const afterFullGc: SoakMeasurement["afterFullGc"] = [];
  const gcProbes: Promise<void>[] = [];
  const probeAt = (second: number) =>
    setTimeout(() => {
      gcProbes.push(
        processes.heap.collectGarbage().then((liveHeapMb) => {
          afterFullGc.push({ second, liveHeapMb, rssMb: readRssMb(processes.serve.pid) });
        }),
      );
    }, second * 1000);
  // Both under traffic, so that each sees as many requests in flight.
  const gcTimers = [probeAt(schedule.seconds / 2), probeAt(schedule.seconds - 0.5)];
  const rssSamplesMb = [readRssMb(processes.serve.pid)];
  const started = performance.now();
  const endsAt = started + schedule.seconds * 1000;
  const sampler = setInterval(() => {
    if (processes.serve.exit() === undefined) rssSamplesMb.push(readRssMb(processes.serve.pid));
  }, 1000);
  const outageStart = setTimeout(() => processes.replay.signal("SIGSTOP"), schedule.outage.fromSecond * 1000);
  const outageEnd = setTimeout(() => processes.replay.signal("SIGCONT"), schedule.outage.toSecond * 1000);
  const record = (kind: RequestKind, outcome: Outcome) => {
    const list = outcomes.get(kind) ?? [];
    list.push(outcome);
    outcomes.set(kind, list);
  };
  const loop = async (index: number) => {
    const random = createSeededRandom(schedule.seed * 1000 + index);
    while (performance.now() < endsAt && processes.serve.exit() === undefined) {
      const kind = pickKind(random);
      record(kind, await sendRequest(traffic, kind, random));
    }
  };
  try {
    await Promise.all(Array.from({ length: schedule.connections }, (_, index) => loop(index)));
  } finally {
    clearInterval(sampler);
    clearTimeout(outageStart);
    clearTimeout(outageEnd);
    for (const timer of gcTimers) clearTimeout(timer);
    processes.replay.signal("SIGCONT");
  }
  await Promise.all(gcProbes);
  afterFullGc.sort((a, b) => a.second - b.second);
  return { outcomes, rssSamplesMb, afterFullGc, elapsedSeconds: (performance.now() - started) / 1000 };
}
