import type { ChildEntry } from "../serve-bench/child-processes.js";
import { type CliChild, startCliChild } from "../serve-soak/soak-children.js";
import { freePort } from "./redis-server.js";

/** How every replica of the fleet is started. */
export interface ReplicaSettings {
  adapterDir: string;
  lmBaseUrl: string;
  lmModel: string;
  /** `--redis URL`; undefined: a replica with its state in its process. */
  redisUrl?: string;
}

/** `easy-adapt serve` replicas on fixed loopback ports (so that one restarts where HAProxy expects it). */
export interface FleetReplicas {
  readonly ports: readonly number[];
  /** The replica's process (the one started last on its port). */
  replica(index: number): CliChild;
  /** Kills the replica at once (SIGKILL), as a crash would. */
  kill(index: number): Promise<void>;
  /** Starts the replica again on its port; resolves once it listens. */
  restart(index: number): Promise<void>;
  /** SIGTERM to every replica still running; their exit codes. */
  stop(): Promise<(number | null)[]>;
  /** SIGKILL to every replica still running. */
  killAll(): void;
}

/** The serve flags of a fleet replica beyond the adapter, the LLM, the port and Redis. */
export const replicaFlags = [
  "--no-cache",
  "--max-retries",
  "0",
  "--concurrency",
  "32",
  "--lm-timeout-ms",
  "5000",
  "--drain-timeout-ms",
  "1000",
] as const;

/** The `serve` arguments of one replica. */
export function replicaArguments(settings: ReplicaSettings, port: number): string[] {
  return [
    "serve",
    "--adapter",
    settings.adapterDir,
    "--lm-base-url",
    settings.lmBaseUrl,
    "--lm-model",
    settings.lmModel,
    "--port",
    String(port),
    ...replicaFlags,
    ...(settings.redisUrl === undefined ? [] : ["--redis", settings.redisUrl]),
  ];
}

/** Starts `count` replicas, all at once, each on a free port of loopback. */
export async function startReplicas(
  cli: ChildEntry,
  settings: ReplicaSettings,
  count: number,
): Promise<FleetReplicas> {
  const ports: number[] = [];
  for (let index = 0; index < count; index += 1) ports.push(await freePort());
  const start = (index: number) =>
    startCliChild(cli, `serve replica ${index + 1}`, [], replicaArguments(settings, ports[index] ?? 0));
  const children = await Promise.all(ports.map((_, index) => start(index)));
  const at = (index: number): CliChild => {
    const child = children[index];
    if (child === undefined) throw new RangeError(`no replica ${index}`);
    return child;
  };
  return {
    ports,
    replica: at,
    async kill(index) {
      const child = at(index);
      child.kill();
      while (child.exit() === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
    },
    async restart(index) {
      children[index] = await start(index);
    },
    stop: () => Promise.all(children.map((child) => child.stop())),
    killAll: () => {
      for (const child of children) child.kill();
    },
  };
}
