import type { CircuitBreaker } from "../large-models/circuit-breaker.js";
import type { Logger } from "../spec/logger.js";

/** Upstream failures are logged at most once per this many milliseconds (10 s). */
export const upstreamFailureLogIntervalMs = 10_000;

/**
 * Logs the breaker's story: one line on each change of state (`lm-circuit-open` as a warning,
 * `lm-circuit-half-open` and `lm-circuit-closed` as info), and upstream failures as
 * `lm-upstream-failure` warnings, at most one per `intervalMs`, each counting the failures it
 * stands for. Returns the unsubscribe.
 */
export function logCircuitEvents(
  breaker: CircuitBreaker,
  logger: Logger,
  options: { intervalMs?: number; now?: () => number } = {},
): () => void {
  const intervalMs = options.intervalMs ?? upstreamFailureLogIntervalMs;
  const now = options.now ?? (() => performance.now());
  let lastLineAt = Number.NEGATIVE_INFINITY;
  let unlogged = 0;
  return breaker.subscribe((event) => {
    if (event.kind === "state") {
      const details = { from: event.from, reason: event.reason };
      if (event.to === "open") logger.warn("lm-circuit-open", details);
      else logger.info(`lm-circuit-${event.to}`, details);
      return;
    }
    unlogged += 1;
    if (now() - lastLineAt < intervalMs) return;
    lastLineAt = now();
    logger.warn("lm-upstream-failure", { error: event.error, failures: unlogged });
    unlogged = 0;
  });
}
