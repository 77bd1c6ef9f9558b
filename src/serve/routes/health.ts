import { Hono } from "hono";
import type { CircuitBreaker } from "../../large-models/circuit-breaker.js";
import type { Adapter } from "../../spec/adapter.js";
import { jsonResponse } from "./json-response.js";

/**
 * `GET /healthz`: `{"status":"ok","model","lm"}`, the served task name and the adapter's LM id,
 * and `lm_circuit` (`closed`, `open`, `half-open`) when a circuit breaker guards the upstream: an
 * open breaker does not make the server unhealthy (the SSM answers), so the status stays "ok".
 */
export function healthRoute(adapter: Adapter, breaker?: CircuitBreaker): Hono {
  const head = `{"status":"ok","model":${JSON.stringify(adapter.task.name)},"lm":${JSON.stringify(adapter.lmId)}`;
  const healthBody = () => (breaker === undefined ? `${head}}` : `${head},"lm_circuit":"${breaker.state}"}`);
  return new Hono().get("/healthz", () => jsonResponse(healthBody()));
}
