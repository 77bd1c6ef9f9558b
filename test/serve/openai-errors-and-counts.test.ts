import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatBody, createServeFixture, type ServeFixture } from "../fixtures/serve/serve-fixture.js";

describe("serve's error bodies and request counts", () => {
  let fixture: ServeFixture;
  let keyed: ServeFixture;
  beforeAll(async () => {
    fixture = await createServeFixture();
    keyed = await createServeFixture({ apiKey: "k3y" });
  });
  afterAll(async () => {
    await fixture.close();
    await keyed.close();
  });

  const post = (app: ServeFixture["app"], path: string, body: string) =>
    app.request(path, { method: "POST", body, headers: { "content-type": "application/json" } });

  it('writes every error as {"error": {"message", "type", "param": null, "code"}}, as OpenAI does', async () => {
    fixture.upstream.behaviour = { kind: "status", status: 401 };
    const responses: [Response, number][] = [
      [await post(fixture.app, "/v1/chat/completions", "{not json"), 400],
      [await post(fixture.app, "/v1/classify", JSON.stringify({ inputs: [] })), 400],
      [await post(keyed.app, "/v1/classify", JSON.stringify({ inputs: ["x"] })), 401],
      [await post(fixture.app, "/v1/chat/completions", chatBody("other", "x")), 404],
      [await fixture.app.request("/v1/embeddings"), 404],
      [await fixture.app.request("/v1/classify", { method: "GET" }), 405],
      [await post(fixture.app, "/v1/classify", "x".repeat(1024 * 1024 + 1)), 413],
      [await post(fixture.app, "/v1/chat/completions", chatBody("tickets", fixture.lmText)), 502],
    ];
    for (const [response, status] of responses) {
      expect(response.status).toBe(status);
      const body = (await response.json()) as { error: Record<string, unknown> };
      expect(Object.keys(body.error)).toEqual(["message", "type", "param", "code"]);
      expect(body.error.param).toBeNull();
    }
  });

  it("counts a request to /v1/models and /v1/models/{model} once each in the request metrics", async () => {
    expect((await fixture.app.request("/v1/models")).status).toBe(200);
    expect((await fixture.app.request("/v1/models/tickets")).status).toBe(200);
    expect((await fixture.app.request("/v1/models/other")).status).toBe(404);
    const metrics = await (await fixture.app.request("/metrics")).text();
    expect(metrics).toMatch(/^easy_adapt_http_requests_total\{endpoint="models",status="200"\} 2$/m);
    expect(metrics).toMatch(/^easy_adapt_http_requests_total\{endpoint="models",status="404"\} 1$/m);
    expect(metrics).toMatch(/^easy_adapt_http_request_duration_seconds_count\{endpoint="models"\} 3$/m);
  });
});
