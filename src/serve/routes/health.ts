import { Hono } from "hono";
import type { Adapter } from "../../spec/adapter.js";
import { jsonResponse } from "./json-response.js";

/** `GET /healthz`: `{"status":"ok","model","lm"}`, the served task name and the adapter's LM id. */
export function healthRoute(adapter: Adapter): Hono {
  const healthBody = JSON.stringify({ status: "ok", model: adapter.task.name, lm: adapter.lmId });
  return new Hono().get("/healthz", () => jsonResponse(healthBody));
}
