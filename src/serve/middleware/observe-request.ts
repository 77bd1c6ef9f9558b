import type { MiddlewareHandler } from "hono";
import type { ServeClock } from "../serve-clock.js";
import type { ServeEndpoint, ServeMetrics } from "../serve-metrics.js";

/** What `observeRequest` needs: where to count and how to time. */
export interface ObserveRequestDependencies {
  metrics: ServeMetrics;
  clock: ServeClock;
}

/**
 * Counts every request to `endpoint` by its final status and times it, whatever answered it (a
 * route, a refusal by a later middleware, the error handler): mount it before the others.
 */
export function observeRequest(
  endpoint: ServeEndpoint,
  { metrics, clock }: ObserveRequestDependencies,
): MiddlewareHandler {
  return async (context, next) => {
    const startedAt = clock.now();
    await next();
    metrics.recordRequest(endpoint, context.res.status, (clock.now() - startedAt) / 1000);
  };
}
