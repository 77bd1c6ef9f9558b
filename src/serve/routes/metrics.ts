import { Hono } from "hono";
import type { ServeMetrics } from "../serve-metrics.js";

/** `GET /metrics`: the server's metrics in the Prometheus text format. */
export function metricsRoute(metrics: ServeMetrics): Hono {
  return new Hono().get(
    "/metrics",
    () =>
      new Response(metrics.render(), {
        headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
      }),
  );
}
