import { Hono } from "hono";
import type { ModelDirectory, ServedModel } from "../served-models.js";
import { jsonResponse } from "./json-response.js";

/**
 * `GET /healthz`: `{"status":"ok","models":[{"model","lm","adapter_id"?,"lm_circuit"?}, ...]}`, each
 * served model with the LM id of its adapter, the id of the adapter it serves now (when it was
 * loaded from a folder) and, when a circuit breaker guards its upstream, the breaker's state
 * (`closed`, `open`, `half-open`). A server of one adapter also says its `model`, `lm` and
 * `lm_circuit` at the top level (as before it served several). An open breaker does not make the
 * server unhealthy (the SSM answers), so the status stays "ok".
 */
export function healthRoute(directory: ModelDirectory): Hono {
  const only = directory.models.length === 1 ? directory.models[0] : undefined;
  const healthBody = () => {
    const models = directory.models.map((model) => `{${modelFields(model)}}`).join(",");
    const head = only === undefined ? "" : `${modelFields(only)},`;
    return `{"status":"ok",${head}"models":[${models}]}`;
  };
  return new Hono().get("/healthz", () => jsonResponse(healthBody()));
}

/** `"model":…,"lm":…` and `"lm_circuit":…` when the model's upstream has a breaker. */
function modelFields({ name, adapter, circuitBreaker }: ServedModel): string {
  const id = adapter.id === undefined ? "" : `,"adapter_id":${JSON.stringify(adapter.id)}`;
  const fields = `"model":${JSON.stringify(name)},"lm":${JSON.stringify(adapter.lmId)}${id}`;
  return circuitBreaker === undefined ? fields : `${fields},"lm_circuit":"${circuitBreaker.state}"`;
}
