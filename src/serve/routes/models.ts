import { Hono } from "hono";
import type { ModelDirectory } from "../served-models.js";
import { jsonResponse } from "./json-response.js";

/**
 * `GET /v1/models`, the OpenAI model list of the served models (the adapters' names, in order), and
 * `GET /v1/models/:model`, one of them (a 404 naming those served for any other).
 */
export function modelsRoute(directory: ModelDirectory): Hono {
  const modelObject = (name: string) => ({ id: name, object: "model", created: 0, owned_by: "easy-adapt" });
  const modelsBody = JSON.stringify({ object: "list", data: directory.names.map(modelObject) });
  const modelBodies = new Map(
    directory.models.map((model) => [model, JSON.stringify(modelObject(model.name))]),
  );
  return new Hono()
    .get("/v1/models", () => jsonResponse(modelsBody))
    .get("/v1/models/:model", (context) =>
      jsonResponse(modelBodies.get(directory.pick(context.req.param("model")))!),
    );
}
