import type { CircuitBreaker } from "../large-models/circuit-breaker.js";
import { createSharedCircuitBreaker } from "../large-models/shared-circuit-breaker.js";
import { createRedisLink, type RedisLink } from "../util/redis-link.js";

/** The one-line help of `--redis`. */
export const redisOptionHelp =
  "share state with other replicas in Redis (e.g. redis://127.0.0.1:6379): the answer cache, and for serve the LM-share budget, in-flight calls and the circuit breaker";

/**
 * Opens the Redis link of `--redis URL`; each time Redis becomes unreachable or comes back, one
 * loud line goes to stderr (through `write`).
 */
export function openRedisLink(url: string, write: (line: string) => void = defaultWrite): RedisLink {
  return createRedisLink({
    url,
    onChange: ({ up, reason, url: shown }) =>
      write(
        up
          ? `easy-adapt: REDIS BACK at ${shown}: the answer cache, LM-share budget and circuit breaker are shared again\n`
          : `easy-adapt: REDIS UNREACHABLE at ${shown} (${reason}): answering with local state (answer cache, LM-share budget, circuit breaker) until it is back\n`,
      ),
  });
}

function defaultWrite(line: string): void {
  process.stderr.write(line);
}

/**
 * `breaker` shared with the fleet through `redis` (its open state published for the upstream
 * `upstream`, for `cooldownMs`); `breaker` itself without Redis. `stop()` ends its background reads.
 */
export function sharedBreaker(
  breaker: CircuitBreaker,
  redis: RedisLink | undefined,
  settings: { upstream: string; cooldownMs: number },
): CircuitBreaker & { stop?(): void } {
  if (redis === undefined) return breaker;
  return createSharedCircuitBreaker(breaker, redis, {
    key: `easy-adapt:breaker:${settings.upstream}`,
    cooldownMs: settings.cooldownMs,
  });
}
