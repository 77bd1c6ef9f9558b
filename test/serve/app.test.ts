import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { chatBody, createServeFixture, type ServeFixture } from "../fixtures/serve/serve-fixture.js";

const errorBodySchema = z.object({
  error: z.object({ message: z.string(), type: z.string(), code: z.string() }),
});
const completionSchema = z.object({
  id: z.string(),
  object: z.literal("chat.completion"),
  model: z.string(),
  choices: z.array(
    z.object({
      index: z.number(),
      message: z.object({ role: z.literal("assistant"), content: z.string() }),
      finish_reason: z.string(),
    }),
  ),
  easy_adapt: z.object({ route: z.enum(["ssm", "lm", "fallback"]), confidence: z.number() }),
});

describe("serve app (in memory)", () => {
  let fixture: ServeFixture;
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fixture.app.request(path, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", ...headers },
    });

  beforeAll(async () => {
    fixture = await createServeFixture();
  });
  afterAll(async () => {
    await fixture.close();
  });

  it("answers GET /healthz and lists the task as the only model", async () => {
    const health = await fixture.app.request("/healthz");
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", model: "tickets" });
    const models = await fixture.app.request("/v1/models");
    expect(await models.json()).toEqual({
      object: "list",
      data: [{ id: "tickets", object: "model", created: 0, owned_by: "easy-adapt" }],
    });
    expect((await fixture.app.request("/v1/models/tickets")).status).toBe(200);
    expect((await fixture.app.request("/v1/models/other")).status).toBe(404);
  });

  it("answers a chat completion from the SSM with the route in the header and the body", async () => {
    const callsBefore = fixture.upstream.calls;
    const response = await post("/v1/chat/completions", chatBody("tickets", fixture.ssmText));
    expect(response.status).toBe(200);
    expect(response.headers.get("x-easy-adapt-route")).toBe("ssm");
    const body = completionSchema.parse(await response.json());
    const decision = fixture.adapter.decide(fixture.ssmText);
    expect(body.model).toBe("tickets");
    expect(body.choices[0]?.message.content).toBe(decision.ssmLabel);
    expect(body.easy_adapt).toEqual({ route: "ssm", confidence: decision.ssmConfidence });
    expect(fixture.upstream.calls).toBe(callsBefore);
  });

  it("reads the last user message and calls the LM where routed", async () => {
    fixture.upstream.behaviour = { kind: "answer", content: fixture.lmAnswer };
    const body = JSON.stringify({
      model: "tickets",
      messages: [
        { role: "user", content: fixture.ssmText },
        { role: "assistant", content: "x" },
        { role: "user", content: [{ type: "text", text: fixture.lmText }] },
      ],
    });
    const response = await post("/v1/chat/completions", body);
    expect(response.headers.get("x-easy-adapt-route")).toBe("lm");
    const parsed = completionSchema.parse(await response.json());
    expect(parsed.choices[0]?.message.content).toBe(fixture.lmAnswer);
  });

  it("streams a chat completion as server-sent events in the OpenAI chunk format", async () => {
    const response = await post(
      "/v1/chat/completions",
      chatBody("tickets", fixture.ssmText, { stream: true }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(response.headers.get("x-easy-adapt-route")).toBe("ssm");
    const events = (await response.text()).split("\n\n").filter((event) => event !== "");
    expect(events.every((event) => event.startsWith("data: "))).toBe(true);
    expect(events.at(-1)).toBe("data: [DONE]");
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event.slice(6)));
    expect(chunks).toHaveLength(3);
    expect(chunks[0].choices[0].delta).toEqual({ role: "assistant", content: "" });
    expect(chunks[1].choices[0].delta).toEqual({ content: fixture.adapter.decide(fixture.ssmText).ssmLabel });
    expect(chunks[2].choices[0].finish_reason).toBe("stop");
    expect(chunks[2].easy_adapt.route).toBe("ssm");
    for (const chunk of chunks) expect(chunk.object).toBe("chat.completion.chunk");
  });

  it("classifies a batch, deciding locally and calling the LM only for the inputs routed there", async () => {
    fixture.upstream.behaviour = { kind: "answer", content: fixture.lmAnswer };
    const callsBefore = fixture.upstream.calls;
    const response = await post(
      "/v1/classify",
      JSON.stringify({ inputs: [fixture.ssmText, fixture.lmText, fixture.ssmText] }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("x-easy-adapt-route")).toBe("ssm,lm");
    const body = z
      .object({
        results: z.array(z.object({ label: z.string(), route: z.string(), confidence: z.number() })),
      })
      .parse(await response.json());
    expect(body.results.map((result) => result.route)).toEqual(["ssm", "lm", "ssm"]);
    expect(body.results[1]?.label).toBe(fixture.lmAnswer);
    expect(fixture.upstream.calls - callsBefore).toBe(1);
  });

  it("calls the LM concurrently for a batch, never above the cap", async () => {
    fixture.upstream.behaviour = { kind: "answer", content: fixture.lmAnswer, delayMs: 40 };
    const callsBefore = fixture.upstream.calls;
    const inputs = Array.from({ length: 10 }, () => fixture.lmText);
    const response = await post("/v1/classify", JSON.stringify({ inputs }));
    expect(response.status).toBe(200);
    expect(fixture.upstream.calls - callsBefore).toBe(10);
    // The fixture's cap is 4 LM calls in flight.
    expect(fixture.upstream.maxInFlight).toBe(4);
  });

  it("refuses a wrong model with a 404 in the OpenAI error format", async () => {
    const response = await post("/v1/chat/completions", chatBody("gpt-4o", fixture.ssmText));
    expect(response.status).toBe(404);
    const body = errorBodySchema.parse(await response.json());
    expect(body.error.code).toBe("model_not_found");
    expect(body.error.type).toBe("invalid_request_error");
  });

  it("refuses bad JSON and invalid bodies with a 400", async () => {
    const badJson = await post("/v1/chat/completions", '{"model": "tickets", "messages": [');
    expect(badJson.status).toBe(400);
    expect(errorBodySchema.parse(await badJson.json()).error.code).toBe("invalid_json");
    const noUser = await post(
      "/v1/chat/completions",
      JSON.stringify({ model: "tickets", messages: [{ role: "system", content: "x" }] }),
    );
    expect(noUser.status).toBe(400);
    expect(errorBodySchema.parse(await noUser.json()).error.message).toMatch(/user/);
    const badClassify = await post("/v1/classify", JSON.stringify({ inputs: [1, 2] }));
    expect(badClassify.status).toBe(400);
    expect(errorBodySchema.parse(await badClassify.json()).error.message).toMatch(/^inputs\.0/);
  });

  it("refuses a body over 1 MB with a 413", async () => {
    const huge = chatBody("tickets", "x".repeat(1024 * 1024 + 10));
    const response = await post("/v1/chat/completions", huge);
    expect(response.status).toBe(413);
    expect(errorBodySchema.parse(await response.json()).error.code).toBe("request_too_large");
  });

  it("answers unknown paths with a 404 in the OpenAI error format", async () => {
    const response = await fixture.app.request("/v1/embeddings", { method: "POST" });
    expect(response.status).toBe(404);
    errorBodySchema.parse(await response.json());
  });

  it("exposes Prometheus metrics: requests by route, LM calls and latency histograms", async () => {
    const response = await fixture.app.request("/metrics");
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/^easy_adapt_predictions_total\{route="ssm"\} [1-9]/m);
    expect(text).toMatch(/^easy_adapt_predictions_total\{route="lm"\} [1-9]/m);
    expect(text).toMatch(/^easy_adapt_lm_calls_total [1-9]/m);
    expect(text).toMatch(/^easy_adapt_http_requests_total\{endpoint="chat_completions",status="404"\} 1$/m);
    expect(text).toMatch(
      /^easy_adapt_http_request_duration_seconds_bucket\{endpoint="classify",le="\+Inf"\} 3$/m,
    );
    expect(text).toMatch(/^# TYPE easy_adapt_prediction_duration_seconds histogram$/m);
    expect(text).toMatch(/^easy_adapt_lm_calls_in_flight 0$/m);
    expect(text).toMatch(/^process_resident_memory_bytes [1-9]\d*$/m);
  });

  // After the metrics test, whose request counts these would change.
  it("refuses an empty last user message (empty, blank or null) with a 400, without an LM call", async () => {
    fixture.upstream.behaviour = { kind: "answer", content: fixture.lmAnswer };
    const callsBefore = fixture.upstream.calls;
    const cases: [unknown[], number][] = [
      [[{ role: "user", content: "" }], 0],
      [[{ role: "user", content: "   \n\t" }], 0],
      [
        [
          { role: "system", content: "classify" },
          { role: "user", content: null },
        ],
        1,
      ],
      [[{ role: "user", content: fixture.lmText }, { role: "assistant", content: "x" }, { role: "user" }], 2],
      [[{ role: "user", content: [{ type: "text", text: " " }] }], 0],
    ];
    for (const [messages, index] of cases) {
      for (const stream of [false, true]) {
        const response = await post(
          "/v1/chat/completions",
          JSON.stringify({ model: "tickets", messages, stream }),
        );
        expect(response.status).toBe(400);
        const body = errorBodySchema.parse(await response.json());
        expect(body.error).toEqual({
          message: `messages[${index}].content: the last user message is empty`,
          type: "invalid_request_error",
          code: "invalid_request",
        });
      }
    }
    expect(fixture.upstream.calls).toBe(callsBefore);
  });

  it("refuses a classify batch with an empty or blank input whole, with a 400 and no LM call", async () => {
    fixture.upstream.behaviour = { kind: "answer", content: fixture.lmAnswer };
    const callsBefore = fixture.upstream.calls;
    const one = await post("/v1/classify", JSON.stringify({ inputs: [fixture.lmText, ""] }));
    expect(one.status).toBe(400);
    expect(errorBodySchema.parse(await one.json()).error).toEqual({
      message: "inputs[1]: empty text",
      type: "invalid_request_error",
      code: "invalid_request",
    });
    const two = await post("/v1/classify", JSON.stringify({ inputs: [fixture.lmText, " ", "\t", "x"] }));
    expect(two.status).toBe(400);
    expect(errorBodySchema.parse(await two.json()).error.message).toBe(
      "inputs[1]: empty text (and 1 more empty input)",
    );
    expect(fixture.upstream.calls).toBe(callsBefore);
  });

  it("answers another method on the POST endpoints with a 405, Allow: POST and the OpenAI error body", async () => {
    for (const path of ["/v1/classify", "/v1/chat/completions"]) {
      for (const method of ["GET", "PUT", "DELETE"]) {
        const response = await fixture.app.request(path, { method });
        expect(response.status).toBe(405);
        expect(response.headers.get("allow")).toBe("POST");
        const body = errorBodySchema.parse(await response.json());
        expect(body.error).toMatchObject({ type: "invalid_request_error", code: "method_not_allowed" });
        expect(body.error.message).toContain(`${method} is not allowed for ${path}`);
      }
    }
  });
});

describe("serve app with an API key", () => {
  let fixture: ServeFixture;
  beforeAll(async () => {
    fixture = await createServeFixture({ apiKey: "s3cret-key" });
  });
  afterAll(async () => {
    await fixture.close();
  });

  const request = (headers: Record<string, string>) =>
    fixture.app.request("/v1/chat/completions", {
      method: "POST",
      body: chatBody("tickets", fixture.ssmText),
      headers: { "content-type": "application/json", ...headers },
    });

  it("refuses a missing or wrong key with a 401 and accepts the right one", async () => {
    const missing = await request({});
    expect(missing.status).toBe(401);
    expect(errorBodySchema.parse(await missing.json()).error.code).toBe("missing_api_key");
    const wrong = await request({ authorization: "Bearer s3cret-kez" });
    expect(wrong.status).toBe(401);
    const wrongBody = errorBodySchema.parse(await wrong.json());
    expect(wrongBody.error.code).toBe("invalid_api_key");
    expect(JSON.stringify(wrongBody)).not.toContain("s3cret");
    const prefix = await request({ authorization: "Bearer s3cret-key-longer" });
    expect(prefix.status).toBe(401);
    const right = await request({ authorization: "Bearer s3cret-key" });
    expect(right.status).toBe(200);
    expect((await fixture.app.request("/v1/models")).status).toBe(401);
    expect((await fixture.app.request("/healthz")).status).toBe(200);
    const metrics = await (await fixture.app.request("/metrics")).text();
    expect(metrics).toMatch(
      /^easy_adapt_http_requests_total\{endpoint="chat_completions",status="401"\} 3$/m,
    );
    expect(metrics).not.toContain("s3cret");
  });
});
