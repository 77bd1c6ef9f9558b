import { Redis } from "ioredis";

/** How a Redis link is set up: its URL, its time bounds, and who hears when it goes down or comes back. */
export interface RedisLinkOptions {
  /** e.g. redis://127.0.0.1:6379/0 (rediss:// for TLS). */
  url: string;
  /** Longest wait for one command's reply (default 500 ms); then the command fails and local state answers. */
  commandTimeoutMs?: number;
  /** Longest wait for a connection (default 1 000 ms). */
  connectTimeoutMs?: number;
  /**
   * Told once on each change: `up: false` when Redis became unreachable (with why), `up: true` when
   * it is back. The CLI writes one loud stderr line for each.
   */
  onChange?: (change: { up: boolean; reason: string; url: string }) => void;
}

/**
 * A connection to Redis shared by the pieces of state a fleet of replicas shares (answer cache,
 * LM-share budget, in-flight leases, circuit breaker). Commands are bounded in time and never
 * queued while the connection is down (they fail at once): callers answer from local state while
 * `up` is false, and the link reconnects in the background.
 */
export interface RedisLink {
  /** The URL without its password, for messages. */
  readonly url: string;
  /** True while commands can be sent (connected, and the last command did not fail). */
  readonly up: boolean;
  /** The client; use only while `up`, and report failures with `failed`. */
  readonly client: Redis;
  /**
   * Runs `command` when the link is up; otherwise, or when it fails (the link then counts as down
   * until a ping succeeds), resolves with `fallback()`.
   */
  run<Value>(command: (client: Redis) => Promise<Value>, fallback: () => Value): Promise<Value>;
  /** Marks the link down after a failed command (said once through `onChange`). */
  failed(error: unknown): void;
  /** Resolves once the first connection attempt succeeded (true) or failed, or after `timeoutMs` (false). */
  ready(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Opens a Redis link to `options.url` (connecting in the background). See `RedisLink`. */
export function createRedisLink(options: RedisLinkOptions): RedisLink {
  const url = redactUrl(options.url);
  const client = connect(options);
  let up = false;
  // Undefined until the first connection attempt ends: no "back" line for the first connection.
  let known: boolean | undefined;
  let pinging: NodeJS.Timeout | undefined;
  let closed = false;
  const firstOutcome: Array<(up: boolean) => void> = [];
  const change = (nowUp: boolean, reason: string) => {
    up = nowUp;
    if (nowUp) stopPinging();
    for (const resolve of firstOutcome.splice(0)) resolve(nowUp);
    if (known === nowUp || closed) return;
    const first = known === undefined;
    known = nowUp;
    if (first && nowUp) return;
    options.onChange?.({ up: nowUp, reason, url });
  };
  client.on("ready", () => change(true, "connected"));
  client.on("error", (error: unknown) => {
    if (client.status !== "ready") change(false, describe(error));
  });
  client.on("close", () => change(false, "the connection closed"));
  const stopPinging = () => {
    if (pinging !== undefined) clearInterval(pinging);
    pinging = undefined;
  };
  const failed = (error: unknown) => {
    change(false, describe(error));
    // Connected but failing (a timed-out command, say): a ping a second tells when it answers again.
    if (pinging !== undefined || closed) return;
    pinging = setInterval(() => {
      if (client.status !== "ready") return;
      client.ping().then(
        () => change(true, "commands answer again"),
        () => {},
      );
    }, 1_000);
    pinging.unref();
  };
  const ready = (timeoutMs: number): Promise<boolean> => {
    if (known !== undefined) return Promise.resolve(up);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(up), timeoutMs);
      firstOutcome.push((value) => {
        clearTimeout(timer);
        resolve(value);
      });
    });
  };
  return {
    url,
    get up() {
      return up;
    },
    client,
    async run(command, fallback) {
      // The first commands wait for the first connection (at most its timeout), not fall back at once.
      if (known === undefined) await ready(options.connectTimeoutMs ?? 1_000);
      if (!up) return fallback();
      try {
        return await command(client);
      } catch (error) {
        failed(error);
        return fallback();
      }
    },
    failed,
    ready,
    async close() {
      closed = true;
      stopPinging();
      client.disconnect();
    },
  };
}

/**
 * The ioredis client: commands bounded in time, none queued while disconnected (they fail at once),
 * reconnecting for ever at most once a second.
 */
function connect(options: RedisLinkOptions): Redis {
  return new Redis(options.url, {
    commandTimeout: options.commandTimeoutMs ?? 500,
    connectTimeout: options.connectTimeoutMs ?? 1_000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(100 * times, 1_000),
  });
}

/** `url` with its password replaced by `***`. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return url;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
