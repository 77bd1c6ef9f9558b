import { Hono } from "hono";
import type { ReplayEnv } from "../replay-request.js";

/** `GET /v1/models`: the one model id, with `created` the time this route was built. */
export function modelsRoute(model: string): Hono<ReplayEnv> {
  const created = Math.floor(Date.now() / 1000);
  const app = new Hono<ReplayEnv>();
  app.get("/v1/models", (context) =>
    context.json({
      object: "list",
      data: [{ id: model, object: "model", created, owned_by: "easy-adapt-replay" }],
    }),
  );
  return app;
}
