import { type Context, Hono } from "hono";
import { limitBody } from "../middleware/limit-body.js";
import { methodNotAllowed } from "../middleware/method-not-allowed.js";
import {
  classifyRequestSchema,
  emptyInputsMessage,
  tooLongInputsMessage,
} from "../openai/classify-request.js";
import { classifyResponse } from "../openai/classify-response.js";
import { inputTooLong, invalidRequest } from "../openai/request-errors.js";
import { zodIssueMessage } from "../openai/zod-issue-message.js";
import { readJsonBody } from "../read-json-body.js";
import { requestSignalOf } from "../request-deadline.js";
import type { ModelDirectory } from "../served-models.js";
import { jsonResponse } from "./json-response.js";

const path = "/v1/classify";

/** What the classify route needs. */
export interface ClassifyRouteDependencies {
  /** The models served: a request's `model` picks one. */
  models: ModelDirectory;
  maxBodyBytes: number;
  /** Inputs longer than this many characters are refused with a 400. */
  maxInputChars: number;
  /** The request's deadline, from when its body has been read: then the SSM answers (`fallback`, `deadline`). */
  requestTimeoutMs: number;
}

/**
 * `POST /v1/classify`, `{"inputs": [...]}`: classifies a batch, deciding every input locally and
 * calling the LM only for the inputs routed there, and answers `{"results": [...]}` in input order
 * with the batch's routes in the `x-easy-adapt-route` header. Other methods: 405.
 */
export function classifyRoute(dependencies: ClassifyRouteDependencies): Hono {
  const app = new Hono();
  app.post(path, limitBody(dependencies.maxBodyBytes), (context) => classify(context, dependencies));
  app.all(path, methodNotAllowed(path, "POST"));
  return app;
}

/**
 * Reads and checks the batch (refused whole, before any LM call, when one input is empty or too
 * long) and answers it.
 */
async function classify(context: Context, dependencies: ClassifyRouteDependencies): Promise<Response> {
  const parsed = classifyRequestSchema.safeParse(await readJsonBody(context, dependencies.maxBodyBytes));
  if (!parsed.success) throw invalidRequest(zodIssueMessage(parsed.error));
  const model = dependencies.models.pick(parsed.data.model);
  const emptyMessage = emptyInputsMessage(parsed.data.inputs);
  if (emptyMessage !== undefined) throw invalidRequest(emptyMessage);
  const tooLongMessage = tooLongInputsMessage(parsed.data.inputs, dependencies.maxInputChars);
  if (tooLongMessage !== undefined) throw inputTooLong(tooLongMessage);
  const answers = await model.predictions.classifyBatch(
    parsed.data.inputs,
    "classify",
    requestSignalOf(context, dependencies.requestTimeoutMs),
  );
  const response = classifyResponse(answers);
  return jsonResponse(response.body, response.routes);
}
