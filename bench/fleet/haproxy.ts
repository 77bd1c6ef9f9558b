import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./redis-server.js";

/** Debian's HAProxy, the load balancer of the fleet test and bench:fleet. */
export const haproxyPath = "/usr/sbin/haproxy";

/** Why the fleet test is skipped, or undefined when HAProxy is installed. */
export const haproxyMissing: string | undefined = existsSync(haproxyPath)
  ? undefined
  : `${haproxyPath} is not installed (apt-get install haproxy): the fleet test is skipped`;

/** Where HAProxy listens and which serve replicas (loopback ports) it balances. */
export interface HaproxySettings {
  /** The port clients connect to. */
  port: number;
  /** The port of its statistics page (`/stats;csv`). */
  statsPort: number;
  /** The replicas' ports on 127.0.0.1, named r1, r2, … in order. */
  replicaPorts: readonly number[];
}

/**
 * The fleet's HAProxy configuration: round-robin over the replicas, each checked on `/healthz` every
 * 200 ms (out after three failed checks, back after two good ones; a check may take 2 s, as a
 * replica busy under load answers late but is alive). A request whose connection fails,
 * or whose replica dies before answering (an empty response), is sent again, to another replica
 * (`retries 3`, `option redispatch 1`, `retry-on conn-failure empty-response response-timeout`):
 * classification requests are idempotent, so a replay is safe, and a replica killed under load costs
 * no failed request.
 */
export function haproxyConfig(settings: HaproxySettings): string {
  const servers = settings.replicaPorts.map(
    (port, index) => `  server r${index + 1} 127.0.0.1:${port} check inter 200ms fall 3 rise 2`,
  );
  return [
    "global",
    "  nbthread 1",
    "  maxconn 4096",
    "defaults",
    "  mode http",
    "  timeout connect 1s",
    "  timeout client 30s",
    "  timeout server 15s",
    "  timeout check 2s",
    "  retries 3",
    "  option redispatch 1",
    "  retry-on conn-failure empty-response response-timeout",
    "  option http-buffer-request",
    "frontend fleet",
    `  bind 127.0.0.1:${settings.port}`,
    "  default_backend replicas",
    "frontend stats",
    `  bind 127.0.0.1:${settings.statsPort}`,
    "  stats enable",
    "  stats uri /stats",
    "backend replicas",
    "  balance roundrobin",
    "  option httpchk GET /healthz",
    ...servers,
    "",
  ].join("\n");
}

/** HAProxy running in a child process in front of the replicas. */
export interface RunningHaproxy {
  /** e.g. http://127.0.0.1:40123: what clients call. */
  url: string;
  /** Each replica's state as HAProxy's checks see it, by name (r1, r2, …): "UP", "DOWN", … */
  serverStates(): Promise<Record<string, string>>;
  /** Resolves once every replica is UP, or rejects after `timeoutMs`. */
  waitAllUp(timeoutMs: number): Promise<void>;
  /** Stops it and removes its configuration. */
  stop(): Promise<void>;
}

/** Writes the configuration to a temporary file and starts HAProxy in the foreground on it. */
export async function startHaproxy(replicaPorts: readonly number[]): Promise<RunningHaproxy> {
  const dir = await mkdtemp(join(tmpdir(), "easy-adapt-haproxy-"));
  const settings = { port: await freePort(), statsPort: await freePort(), replicaPorts };
  const configPath = join(dir, "haproxy.cfg");
  await writeFile(configPath, haproxyConfig(settings));
  const child: ChildProcess = spawn(haproxyPath, ["-db", "-f", configPath], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const statsUrl = `http://127.0.0.1:${settings.statsPort}/stats;csv`;
  const serverStates = async () => statesOf(await (await fetch(statsUrl)).text());
  const running: RunningHaproxy = {
    url: `http://127.0.0.1:${settings.port}`,
    serverStates,
    async waitAllUp(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(`haproxy exited: ${stderr}`);
        const states = await serverStates().catch(() => ({}));
        const values = Object.values(states);
        if (values.length === replicaPorts.length && values.every((state) => state === "UP")) return;
        if (Date.now() > deadline) throw new Error(`the replicas are not all UP: ${JSON.stringify(states)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGKILL");
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
  return running;
}

/** The state of each server of the `replicas` backend in HAProxy's CSV statistics. */
function statesOf(csv: string): Record<string, string> {
  const [header = "", ...rows] = csv.trim().split("\n");
  const columns = header.replace(/^# /, "").split(",");
  const name = columns.indexOf("svname");
  const status = columns.indexOf("status");
  const states: Record<string, string> = {};
  for (const row of rows) {
    const cells = row.split(",");
    const server = cells[name] ?? "";
    if (cells[0] === "replicas" && server !== "BACKEND")
      states[server] = (cells[status] ?? "").split(" ")[0] ?? "";
  }
  return states;
}
