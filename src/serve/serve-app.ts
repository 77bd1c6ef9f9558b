import { type Context, Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Adapter } from "../spec/adapter.js";
import { ServeRequestError } from "../spec/errors/serve-request-error.js";
import { type Logger, silentLogger } from "../spec/logger.js";
import { createConcurrencyLimit } from "../util/concurrency-limit.js";
import { bearerToken, createApiKeyCheck } from "./api-key-check.js";
import { chatCompletionRequestSchema, isEmptyText, lastUserMessage } from "./chat-completion-request.js";
import { createChatCompletionSerializer } from "./chat-completion-response.js";
import { classifyRequestSchema } from "./classify-request.js";
import type { DecisionLog } from "./decision-log.js";
import { openAiErrorResponse } from "./openai-error-response.js";
import { createPredictionService } from "./prediction-service.js";
import { bodyTooLarge, clientAbortSignal, nodeIncoming, readRequestText } from "./read-request-text.js";
import type { ServeClock } from "./serve-clock.js";
import type { ServeEndpoint, ServeMetrics } from "./serve-metrics.js";
import { zodIssueMessage } from "./zod-issue-message.js";

/** Request bodies above this size are refused with 413 (1 MiB). */
export const defaultMaxBodyBytes = 1024 * 1024;

export interface ServeAppDependencies {
  adapter: Adapter;
  decisionLog: DecisionLog;
  metrics: ServeMetrics;
  /** When set, every `/v1/*` request must send `Authorization: Bearer <apiKey>`. */
  apiKey?: string | undefined;
  /** LM calls in flight at most; further LM-routed inputs wait their turn. */
  maxConcurrentLmCalls: number;
  clock: ServeClock;
  logger?: Logger;
  maxBodyBytes?: number;
}

const routeHeader = "x-easy-adapt-route";

/**
 * The HTTP API of an adapter as a Hono app (serve it with `startServeServer`, or test it in memory
 * with `app.request()`): OpenAI-compatible `POST /v1/chat/completions` (also streamed) and
 * `GET /v1/models`, batch `POST /v1/classify`, `GET /healthz` and Prometheus `GET /metrics`.
 * Every answer names its route (`ssm`, `lm`, `fallback`) in the `x-easy-adapt-route` header and
 * in the body's `easy_adapt` field; errors use the OpenAI error body.
 */
export function createServeApp(dependencies: ServeAppDependencies): Hono {
  const { adapter, metrics, clock } = dependencies;
  const logger = dependencies.logger ?? silentLogger;
  const modelName = adapter.task.name;
  const lmLimit = createConcurrencyLimit(dependencies.maxConcurrentLmCalls);
  metrics.addGauge("easy_adapt_lm_calls_in_flight", "Large-model calls in flight.", () => lmLimit.active);
  metrics.addGauge(
    "easy_adapt_lm_calls_waiting",
    "LM-routed inputs waiting for a call slot.",
    () => lmLimit.waiting,
  );
  const predictions = createPredictionService({
    adapter,
    lmLimit,
    metrics,
    decisionLog: dependencies.decisionLog,
    clock,
    logger,
  });
  const serializer = createChatCompletionSerializer(modelName, adapter.task.labels);
  const modelObject = { id: modelName, object: "model", created: 0, owned_by: "easy-adapt" };
  const modelsBody = JSON.stringify({ object: "list", data: [modelObject] });
  const modelBody = JSON.stringify(modelObject);
  const healthBody = JSON.stringify({ status: "ok", model: modelName, lm: adapter.lmId });
  const checkApiKey = dependencies.apiKey === undefined ? undefined : createApiKeyCheck(dependencies.apiKey);

  const app = new Hono();

  const observe =
    (endpoint: ServeEndpoint): MiddlewareHandler =>
    async (context, next) => {
      const startedAt = clock.now();
      await next();
      metrics.recordRequest(endpoint, context.res.status, (clock.now() - startedAt) / 1000);
    };

  /** Throws the 401 when a key is required and `authorization` does not carry it. */
  const checkAuthorization = (authorization: string | undefined): void => {
    if (checkApiKey === undefined) return;
    const presented = bearerToken(authorization);
    if (presented === undefined) {
      throw new ServeRequestError("Missing API key: send it as `Authorization: Bearer <key>`.", {
        status: 401,
        type: "invalid_request_error",
        code: "missing_api_key",
      });
    }
    if (!checkApiKey(presented)) {
      throw new ServeRequestError("Incorrect API key provided.", {
        status: 401,
        type: "invalid_request_error",
        code: "invalid_api_key",
      });
    }
  };

  const requireApiKey: MiddlewareHandler = (context, next) => {
    const incoming = nodeIncoming(context);
    checkAuthorization(
      incoming === undefined ? context.req.header("authorization") : incoming.headers.authorization,
    );
    return next();
  };

  const maxBodyBytes = dependencies.maxBodyBytes ?? defaultMaxBodyBytes;
  const honoBodyLimit = bodyLimit({
    maxSize: maxBodyBytes,
    onError: () => {
      const error = bodyTooLarge(maxBodyBytes);
      return openAiErrorResponse(error.status, error.message, error.type, error.code);
    },
  });
  // Under @hono/node-server, hono's bodyLimit would build a web Request (and its stream) for every
  // request just to look at it; there the same limit is enforced on the Node request instead: the
  // Content-Length up front, the bytes as they are read (readRequestText).
  const limitBody: MiddlewareHandler = (context, next) => {
    const incoming = nodeIncoming(context);
    if (incoming === undefined) return honoBodyLimit(context, next);
    const declared = incoming.headers["content-length"];
    if (declared !== undefined && Number(declared) > maxBodyBytes) throw bodyTooLarge(maxBodyBytes);
    return next();
  };

  /** The OpenAI-style error answer to a failed request (a ServeRequestError's own, else a 500). */
  const errorResponse = (error: unknown): Response => {
    if (error instanceof ServeRequestError) {
      return openAiErrorResponse(error.status, error.message, error.type, error.code);
    }
    logger.warn("request-failed", { error: error instanceof Error ? error.message : String(error) });
    return openAiErrorResponse(
      500,
      "The server failed to answer this request.",
      "server_error",
      "internal_error",
    );
  };

  const readJson = async (context: Context): Promise<unknown> => {
    const text = await readRequestText(context, maxBodyBytes);
    try {
      return JSON.parse(text);
    } catch {
      throw new ServeRequestError("We could not parse the JSON body of your request.", {
        status: 400,
        type: "invalid_request_error",
        code: "invalid_json",
      });
    }
  };

  const jsonResponse = (body: string, route?: string): Response =>
    new Response(
      body,
      route === undefined
        ? { headers: { "content-type": "application/json" } }
        : { headers: { "content-type": "application/json", [routeHeader]: route } },
    );

  const requireModel = (model: string | undefined): void => {
    if (model !== undefined && model !== modelName) {
      throw new ServeRequestError(
        `The model \`${model}\` does not exist; this server serves \`${modelName}\`.`,
        {
          status: 404,
          type: "invalid_request_error",
          code: "model_not_found",
        },
      );
    }
  };

  const chatCompletion = async (context: Context): Promise<Response> => {
    const parsed = chatCompletionRequestSchema.safeParse(await readJson(context));
    if (!parsed.success) throw invalidRequest(zodIssueMessage(parsed.error));
    const request = parsed.data;
    requireModel(request.model);
    const message = lastUserMessage(request);
    if (message === undefined) throw invalidRequest("messages: no message with role `user`.");
    if (isEmptyText(message.text)) {
      throw invalidRequest(`messages[${message.index}].content: the last user message is empty`);
    }
    const answer = await predictions.classify(message.text, "chat_completions", abortSignalOf(context));
    const id = serializer.nextId();
    const created = Math.floor(clock.now() / 1000);
    if (request.stream === true) {
      return new Response(
        serializer.eventStream(id, created, answer, request.stream_options?.include_usage === true),
        {
          headers: {
            "content-type": "text/event-stream; charset=utf-8",
            "cache-control": "no-cache",
            [routeHeader]: answer.route,
          },
        },
      );
    }
    return jsonResponse(serializer.completion(id, created, answer), answer.route);
  };

  app.get("/healthz", observe("healthz"), () => jsonResponse(healthBody));

  app.get(
    "/metrics",
    observe("metrics"),
    () =>
      new Response(metrics.render(), {
        headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
      }),
  );

  // Observed first, so that refused requests (401, 413, ...) are counted too.
  app.use("/v1/chat/completions", observe("chat_completions"));
  app.use("/v1/classify", observe("classify"));
  app.use("/v1/models", observe("models"));
  app.use("/v1/models/*", observe("models"));
  // Without a key to check, requests skip the middleware altogether.
  if (checkApiKey !== undefined) app.use("/v1/*", requireApiKey);

  app.get("/v1/models", () => jsonResponse(modelsBody));
  app.get("/v1/models/:model", (context) => {
    requireModel(context.req.param("model"));
    return jsonResponse(modelBody);
  });

  app.post("/v1/chat/completions", limitBody, (context) => chatCompletion(context));

  app.post("/v1/classify", limitBody, async (context) => {
    const parsed = classifyRequestSchema.safeParse(await readJson(context));
    if (!parsed.success) throw invalidRequest(zodIssueMessage(parsed.error));
    requireModel(parsed.data.model);
    // The whole batch is refused, before any LM call, when one input is empty.
    const emptyMessage = emptyInputsMessage(parsed.data.inputs);
    if (emptyMessage !== undefined) throw invalidRequest(emptyMessage);
    const answers = await predictions.classifyBatch(parsed.data.inputs, "classify", abortSignalOf(context));
    let body = '{"results":[';
    let routes = 0;
    for (let index = 0; index < answers.length; index += 1) {
      const answer = answers[index]!;
      routes |= answer.route === "ssm" ? 1 : answer.route === "lm" ? 2 : 4;
      body += `${index === 0 ? "" : ","}{"label":${JSON.stringify(answer.label)},"route":"${answer.route}","confidence":${Number.isFinite(answer.confidence) ? answer.confidence : 0}}`;
    }
    body += "]}";
    return jsonResponse(body, batchRouteHeader(routes));
  });

  // Other methods on the POST endpoints: 405 with `Allow: POST`, not a 404 that says the path is wrong.
  for (const path of ["/v1/chat/completions", "/v1/classify"]) {
    app.all(path, (context) => methodNotAllowed(context.req.method, path, "POST"));
  }

  app.notFound((context) =>
    openAiErrorResponse(
      404,
      `No route for ${context.req.method} ${new URL(context.req.url).pathname}.`,
      "invalid_request_error",
      "not_found",
    ),
  );

  app.onError((error) => errorResponse(error));

  return app;
}

/** The OpenAI-style 405 answer, with the `Allow` header naming the method the path takes. */
function methodNotAllowed(method: string, path: string, allow: string): Response {
  const response = openAiErrorResponse(
    405,
    `Method ${method} is not allowed for ${path}: use ${allow}.`,
    "invalid_request_error",
    "method_not_allowed",
  );
  response.headers.set("allow", allow);
  return response;
}

function invalidRequest(message: string): ServeRequestError {
  return new ServeRequestError(message, {
    status: 400,
    type: "invalid_request_error",
    code: "invalid_request",
  });
}

/** `inputs[1]: empty text` (and how many more are empty), or undefined when no input is empty. */
function emptyInputsMessage(inputs: readonly string[]): string | undefined {
  let first: number | undefined;
  let count = 0;
  for (let index = 0; index < inputs.length; index += 1) {
    if (!isEmptyText(inputs[index]!)) continue;
    first ??= index;
    count += 1;
  }
  if (first === undefined) return undefined;
  const more = count - 1;
  return `inputs[${first}]: empty text${more === 0 ? "" : ` (and ${more} more empty input${more === 1 ? "" : "s"})`}`;
}

/** A getter that creates the request's client-abort signal once, on first use (only LM calls need it). */
function abortSignalOf(context: Context): () => AbortSignal {
  let signal: AbortSignal | undefined;
  return () => {
    signal ??= clientAbortSignal(context);
    return signal;
  };
}

/** The distinct routes of a batch, comma-separated in the order ssm, lm, fallback. */
function batchRouteHeader(routes: number): string {
  const names: string[] = [];
  if (routes & 1) names.push("ssm");
  if (routes & 2) names.push("lm");
  if (routes & 4) names.push("fallback");
  return names.join(",");
}
