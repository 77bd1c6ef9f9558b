import { Hono } from "hono";
import { requireModel } from "../openai/request-errors.js";
import { jsonResponse } from "./json-response.js";

/**
 * `GET /v1/models`, the OpenAI model list with the served task as its only model, and
 * `GET /v1/models/:model`, that model (a 404 for any other).
 */
export function modelsRoute(modelName: string): Hono {
  const modelObject = { id: modelName, object: "model", created: 0, owned_by: "easy-adapt" };
  const modelsBody = JSON.stringify({ object: "list", data: [modelObject] });
  const modelBody = JSON.stringify(modelObject);
  return new Hono()
    .get("/v1/models", () => jsonResponse(modelsBody))
    .get("/v1/models/:model", (context) => {
      requireModel(context.req.param("model"), modelName);
      return jsonResponse(modelBody);
    });
}
