import type { ChildEntry } from "../serve-bench/child-processes.js";
import { type FleetReplicas, type ReplicaSettings, startReplicas } from "./fleet-replicas.js";
import { type RunningHaproxy, startHaproxy } from "./haproxy.js";

/** serve replicas behind HAProxy on loopback. */
export interface Fleet {
  replicas: FleetReplicas;
  haproxy: RunningHaproxy;
  /** HAProxy's URL: what clients call. */
  url: string;
  /** Stops HAProxy and the replicas (SIGTERM; their exit codes). */
  close(): Promise<(number | null)[]>;
}

/**
 * Starts `count` serve replicas (each its own process, `--redis` when `settings.redisUrl` is given)
 * and HAProxy in front of them; resolves once HAProxy's health checks see every replica UP.
 */
export async function startFleet(cli: ChildEntry, settings: ReplicaSettings, count: number): Promise<Fleet> {
  const replicas = await startReplicas(cli, settings, count);
  let haproxy: RunningHaproxy | undefined;
  try {
    haproxy = await startHaproxy(replicas.ports);
    await haproxy.waitAllUp(10_000);
  } catch (error) {
    await haproxy?.stop();
    replicas.killAll();
    throw error;
  }
  const running = haproxy;
  return {
    replicas,
    haproxy: running,
    url: running.url,
    async close() {
      await running.stop();
      return replicas.stop();
    },
  };
}

/** A counter of `metrics` (serve's /metrics text): the sum of its series whose labels contain `labelPart`. */
export function counterValue(metrics: string, name: string, labelPart = ""): number {
  let sum = 0;
  for (const line of metrics.split("\n")) {
    if (!line.startsWith(name) || !line.includes(labelPart)) continue;
    const match = /^(\S+?)(\{[^}]*\})? (\S+)$/.exec(line);
    if (match?.[1] === name) sum += Number(match[3]);
  }
  return sum;
}
