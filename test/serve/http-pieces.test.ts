import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { limitBody } from "../../src/serve/middleware/limit-body.js";
import { methodNotAllowed } from "../../src/serve/middleware/method-not-allowed.js";
import { openAiErrorHandler, openAiNotFound } from "../../src/serve/middleware/openai-error-handler.js";
import { requireApiKey } from "../../src/serve/middleware/require-api-key.js";
import { emptyInputsMessage } from "../../src/serve/openai/classify-request.js";
import { classifyResponse } from "../../src/serve/openai/classify-response.js";
import { characterCount, isEmptyText, isTooLong } from "../../src/serve/openai/input-text.js";
import { createServeMetrics } from "../../src/serve/serve-metrics.js";
import { silentLogger } from "../../src/spec/logger.js";

/** A one-route app behind `middleware`, with the serve app's error handlers. */
function appBehind(middleware: Parameters<Hono["use"]>[1]): Hono {
  const app = new Hono();
  app.use("/echo", middleware);
  app.post("/echo", async (context) => new Response(await context.req.text()));
  app.all("/echo", methodNotAllowed("/echo", "POST"));
  app.notFound(openAiNotFound);
  app.onError(openAiErrorHandler(silentLogger));
  return app;
}

describe("the serve middleware", () => {
  it("requires the API key as a bearer token, with the OpenAI 401 bodies", async () => {
    const app = appBehind(requireApiKey("k3y"));
    const codeOf = async (headers: Record<string, string>) => {
      const response = await app.request("/echo", { method: "POST", body: "hi", headers });
      return response.status === 200
        ? "ok"
        : ((await response.json()) as { error: { code: string } }).error.code;
    };
    expect(await codeOf({})).toBe("missing_api_key");
    expect(await codeOf({ authorization: "Basic k3y" })).toBe("missing_api_key");
    expect(await codeOf({ authorization: "Bearer k3" })).toBe("invalid_api_key");
    expect(await codeOf({ authorization: "bearer   k3y" })).toBe("ok");
  });

  it("refuses a body over the limit with a 413 and lets one at the limit through", async () => {
    const app = appBehind(limitBody(4));
    const over = await app.request("/echo", { method: "POST", body: "12345" });
    expect(over.status).toBe(413);
    expect(await over.json()).toEqual({
      error: {
        message: "Request body too large: the limit is 4 bytes.",
        type: "invalid_request_error",
        param: null,
        code: "request_too_large",
      },
    });
    expect(await (await app.request("/echo", { method: "POST", body: "1234" })).text()).toBe("1234");
  });

  it("answers another method with a 405 naming the allowed one, and an unknown path with a 404", async () => {
    const app = appBehind(async (_context, next) => next());
    const wrongMethod = await app.request("/echo", { method: "PUT" });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("POST");
    expect(((await wrongMethod.json()) as { error: { message: string } }).error.message).toBe(
      "Method PUT is not allowed for /echo: use POST.",
    );
    const unknown = await app.request("/nowhere?x=1", { method: "GET" });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toBe(
      "No route for GET /nowhere.",
    );
  });
});

describe("the classify request and response", () => {
  it("names the first empty input and counts the others", () => {
    expect(emptyInputsMessage(["a", "b"])).toBeUndefined();
    expect(emptyInputsMessage(["a", " "])).toBe("inputs[1]: empty text");
    expect(emptyInputsMessage(["", "a", "\n", " "])).toBe("inputs[0]: empty text (and 2 more empty inputs)");
  });

  it("takes a text of white space, controls and zero-width characters for empty, and counts characters", () => {
    for (const blank of [
      "",
      " \t\n\v\f\r",
      "\u200B\u200C\u200D",
      "\uFEFF\u2060",
      "\u0000\u001F\u007F\u0085\u009F",
    ]) {
      expect(isEmptyText(blank)).toBe(true);
      expect(isEmptyText(`${blank}a${blank}`)).toBe(false);
    }
    for (const visible of ["\u00AD", "é", "🎫", "\uD800", "\u200E"]) expect(isEmptyText(visible)).toBe(false);
    expect(characterCount("🎫a\uD800")).toBe(3);
    expect(isTooLong("🎫🎫", 2)).toBe(false);
    expect(isTooLong("🎫🎫a", 2)).toBe(true);
  });

  it("serialises the results in order and lists the routes once each, as ssm, lm, fallback", () => {
    const response = classifyResponse([
      { label: "x", route: "fallback", confidence: Number.NaN },
      { label: 'say "y"', route: "ssm", confidence: 0.5 },
      { label: "x", route: "ssm", confidence: 1 },
    ]);
    expect(response.routes).toBe("ssm,fallback");
    expect(JSON.parse(response.body)).toEqual({
      results: [
        { label: "x", route: "fallback", confidence: 0 },
        { label: 'say "y"', route: "ssm", confidence: 0.5 },
        { label: "x", route: "ssm", confidence: 1 },
      ],
    });
  });
});

describe("the serve metrics", () => {
  it("renders the families in a fixed order, request series as first seen and the gauges last", () => {
    const metrics = createServeMetrics();
    metrics.addGauge("queue_depth", "Waiting inputs.", () => 3);
    metrics.recordRequest("classify", 200, 0.002);
    metrics.recordRequest("healthz", 200, 0.0001);
    metrics.recordRequest("classify", 400, 0.001);
    metrics.recordLmCall("lm-timeout", 1.5);
    const text = metrics.render();
    const families = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((match) => match[1]);
    expect(families).toEqual([
      "easy_adapt_http_requests_total",
      "easy_adapt_http_request_duration_seconds",
      "easy_adapt_predictions_total",
      "easy_adapt_prediction_duration_seconds",
      "easy_adapt_fallbacks_total",
      "easy_adapt_lm_calls_total",
      "easy_adapt_lm_errors_total",
      "easy_adapt_lm_share_cap_declines_total",
      "easy_adapt_lm_request_cap_declines_total",
      "easy_adapt_cut_off_inputs_total",
      "easy_adapt_lm_call_duration_seconds",
      "easy_adapt_decision_log_errors_total",
      "process_cpu_seconds_total",
      "process_resident_memory_bytes",
      "queue_depth",
    ]);
    expect(
      [...text.matchAll(/^easy_adapt_http_requests_total\{(.*)\} (\d+)$/gm)].map((match) => match[1]),
    ).toEqual([
      'endpoint="classify",status="200"',
      'endpoint="classify",status="400"',
      'endpoint="healthz",status="200"',
    ]);
    expect(text).toMatch(/^easy_adapt_lm_calls_total 1$/m);
    expect(text).toMatch(/^easy_adapt_lm_errors_total\{reason="lm-timeout"\} 1$/m);
    expect(text.endsWith("queue_depth 3\n")).toBe(true);
  });
});
