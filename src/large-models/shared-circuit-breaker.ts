import { randomUUID } from "node:crypto";
import type { RedisLink } from "../util/redis-link.js";
import type { CircuitBreaker, CircuitEvent, CircuitState } from "./circuit-breaker.js";

/** Where a fleet's breaker state lives and how often a replica reads it. */
export interface SharedCircuitBreakerOptions {
  /** The Redis key of the open state, e.g. "easy-adapt:breaker:openai:gpt-4o-mini". */
  key: string;
  /** How long a published open state lasts: the breaker's cool-down (default 5 000 ms). */
  cooldownMs?: number;
  /** How often the shared state is read (default 100 ms), in the background, never on a request. */
  pollMs?: number;
}

/** A breaker shared by a fleet of replicas; `stop()` ends its background reads. */
export interface SharedCircuitBreaker extends CircuitBreaker {
  stop(): void;
}

/**
 * `local` with its open state published in Redis (SET PX its cool-down) for the other replicas:
 * one replica's discovery that the upstream is down spares the others, which refuse calls (the SSM
 * answers, `circuit-open`) until the published state expires or the discovering replica's probe
 * call closes it. Each replica reads the state in the background every `pollMs`; while Redis is
 * unreachable the breaker is `local` alone.
 */
export function createSharedCircuitBreaker(
  local: CircuitBreaker,
  link: RedisLink,
  options: SharedCircuitBreakerOptions,
): SharedCircuitBreaker {
  const self = randomUUID();
  const cooldownMs = options.cooldownMs ?? 5_000;
  const listeners = new Set<(event: CircuitEvent) => void>();
  const emit = (event: CircuitEvent) => {
    for (const listener of listeners) listener(event);
  };
  let remote: { until: number; reason: string } | undefined;
  const remoteOpen = () => remote !== undefined && performance.now() < remote.until;
  const unsubscribe = local.subscribe((event) => {
    publish(link, options.key, self, event, cooldownMs);
    emit(event);
  });
  const read = () => {
    readRemote(link, options.key, self).then(
      (seen) => {
        const wasOpen = remoteOpen();
        remote = seen;
        const isOpen = remoteOpen();
        if (isOpen && !wasOpen) {
          const reason = `another replica found the upstream down (${seen?.reason ?? "no reason given"})`;
          emit({ kind: "state", from: local.state, to: "open", reason });
        } else if (wasOpen && !isOpen) {
          emit({ kind: "state", from: "open", to: local.state, reason: "the shared open state ended" });
        }
      },
      () => {},
    );
  };
  const timer = setInterval(read, options.pollMs ?? 100);
  timer.unref();
  read();
  return {
    get state(): CircuitState {
      return remoteOpen() ? "open" : local.state;
    },
    refusesCalls: () => remoteOpen() || local.refusesCalls(),
    acquire: () => (remoteOpen() ? undefined : local.acquire()),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop() {
      clearInterval(timer);
      unsubscribe();
    },
  };
}

/** Publishes this replica's open state (for `cooldownMs`), and withdraws it when its probe call closes the breaker. */
function publish(link: RedisLink, key: string, self: string, event: CircuitEvent, cooldownMs: number): void {
  if (event.kind !== "state") return;
  if (event.to === "open") {
    const value = JSON.stringify({ by: self, reason: event.reason });
    void link.run(
      (client) => client.set(key, value, "PX", cooldownMs),
      () => null,
    );
  } else if (event.to === "closed" && event.from === "half-open") {
    void link.run(
      (client) => client.del(key),
      () => 0,
    );
  }
}

/** Another replica's open state and when it ends (performance.now() time), or undefined. */
async function readRemote(
  link: RedisLink,
  key: string,
  self: string,
): Promise<{ until: number; reason: string } | undefined> {
  return link.run(
    async (client) => {
      const [value, ttl] = await Promise.all([client.get(key), client.pttl(key)]);
      if (value === null || ttl <= 0) return undefined;
      const parsed = parseOpenState(value);
      if (parsed === undefined || parsed.by === self) return undefined;
      return { until: performance.now() + ttl, reason: parsed.reason };
    },
    () => undefined,
  );
}

function parseOpenState(value: string): { by: string; reason: string } | undefined {
  try {
    const parsed = JSON.parse(value) as { by?: unknown; reason?: unknown };
    if (typeof parsed.by !== "string") return undefined;
    return { by: parsed.by, reason: typeof parsed.reason === "string" ? parsed.reason : "" };
  } catch {
    return undefined;
  }
}
