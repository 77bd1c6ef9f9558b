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
  return new Link(options);
}

/** The link's state: up or down, told once per change, with a ping a second while connected but failing. */
class Link implements RedisLink {
  readonly url: string;
  readonly client: Redis;
  readonly #options: RedisLinkOptions;
  #up = false;
  // Undefined until the first connection attempt ends: no "back" line for the first connection.
  #known: boolean | undefined;
  #pinging: NodeJS.Timeout | undefined;
  #verifying = false;
  #closed = false;
  readonly #firstOutcome: Array<(up: boolean) => void> = [];

  constructor(options: RedisLinkOptions) {
    this.#options = options;
    this.url = redactUrl(options.url);
    this.client = connect(options);
    this.client.on("ready", () => this.#change(true, "connected"));
    this.client.on("error", (error: unknown) => {
      if (this.client.status !== "ready") this.#change(false, describe(error));
    });
    this.client.on("close", () => this.#change(false, "the connection closed"));
  }

  get up(): boolean {
    return this.#up;
  }

  async run<Value>(command: (client: Redis) => Promise<Value>, fallback: () => Value): Promise<Value> {
    // The first commands wait for the first connection (at most its timeout), not fall back at once.
    if (this.#known === undefined) await this.ready(this.#options.connectTimeoutMs ?? 1_000);
    if (!this.#up) return fallback();
    try {
      return await command(this.client);
    } catch (error) {
      this.failed(error);
      return fallback();
    }
  }

  failed(error: unknown): void {
    // A command timed out while connected: Redis may be hung, or this process's event loop was busy
    // (a reply read late). A fresh ping tells which; only its failure takes the link down.
    if (this.client.status === "ready" && this.#up && describe(error).includes("timed out")) {
      if (this.#verifying) return;
      this.#verifying = true;
      this.client.ping().then(
        () => {
          this.#verifying = false;
        },
        (pingError: unknown) => {
          this.#verifying = false;
          this.#markDown(pingError);
        },
      );
      return;
    }
    this.#markDown(error);
  }

  ready(timeoutMs: number): Promise<boolean> {
    if (this.#known !== undefined) return Promise.resolve(this.#up);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(this.#up), timeoutMs);
      this.#firstOutcome.push((value) => {
        clearTimeout(timer);
        resolve(value);
      });
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#stopPinging();
    this.client.disconnect();
  }

  #markDown(error: unknown): void {
    this.#change(false, describe(error));
    // Connected but failing (a hung server, say): a ping a second tells when it answers again.
    if (this.#pinging !== undefined || this.#closed) return;
    this.#pinging = setInterval(() => {
      if (this.client.status !== "ready") return;
      this.client.ping().then(
        () => this.#change(true, "commands answer again"),
        () => {},
      );
    }, 1_000);
    this.#pinging.unref();
  }

  #stopPinging(): void {
    if (this.#pinging !== undefined) clearInterval(this.#pinging);
    this.#pinging = undefined;
  }

  #change(up: boolean, reason: string): void {
    this.#up = up;
    if (up) this.#stopPinging();
    for (const resolve of this.#firstOutcome.splice(0)) resolve(up);
    if (this.#known === up || this.#closed) return;
    const first = this.#known === undefined;
    this.#known = up;
    if (first && up) return;
    this.#options.onChange?.({ up, reason, url: this.url });
  }
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
