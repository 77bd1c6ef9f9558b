import { type Context, Hono } from "hono";
import type { Adapter } from "../../spec/adapter.js";
import { limitBody } from "../middleware/limit-body.js";
import { methodNotAllowed } from "../middleware/method-not-allowed.js";
import {
  type ChatCompletionRequestBody,
  chatCompletionRequestSchema,
  lastUserMessage,
} from "../openai/chat-completion-request.js";
import {
  type ChatCompletionSerializer,
  createChatCompletionSerializer,
} from "../openai/chat-completion-response.js";
import { isEmptyText, isTooLong, tooLongMessage } from "../openai/input-text.js";
import { inputTooLong, invalidRequest } from "../openai/request-errors.js";
import { answerContent, answerFormatOf } from "../openai/response-format.js";
import { zodIssueMessage } from "../openai/zod-issue-message.js";
import { readJsonBody } from "../read-json-body.js";
import { requestSignalOf } from "../request-deadline.js";
import type { ServeClock } from "../serve-clock.js";
import type { ModelDirectory } from "../served-models.js";
import { jsonResponse, routeHeader } from "./json-response.js";

const path = "/v1/chat/completions";

/** What the chat-completions route needs. */
export interface ChatCompletionsRouteDependencies {
  /** The models served: a request's `model` picks one. */
  models: ModelDirectory;
  clock: ServeClock;
  maxBodyBytes: number;
  /** Inputs longer than this many characters are refused with a 400. */
  maxInputChars: number;
  /** The request's deadline, from when its body has been read: then the SSM answers (`fallback`, `deadline`). */
  requestTimeoutMs: number;
}

/**
 * `POST /v1/chat/completions`, OpenAI-compatible: classifies the text of the last user message and
 * answers the label as the assistant's message (as `{"label": ...}` JSON when `response_format`
 * asks for JSON), plain or streamed as server-sent events, with the route in the
 * `x-easy-adapt-route` header and the body's `easy_adapt` field. Other methods: 405.
 */
export function chatCompletionsRoute(dependencies: ChatCompletionsRouteDependencies): Hono {
  // One serializer per model and adapter (a reload brings a new adapter), made once: its name and
  // labels are serialised in advance.
  const made = new WeakMap<Adapter, ChatCompletionSerializer>();
  for (const model of dependencies.models.models) serializerOf(made, model.name, model.adapter);
  const serializers = (name: string, adapter: Adapter) => serializerOf(made, name, adapter);
  const app = new Hono();
  app.post(path, limitBody(dependencies.maxBodyBytes), (context) =>
    chatCompletion(context, dependencies, serializers),
  );
  app.all(path, methodNotAllowed(path, "POST"));
  return app;
}

/** The serializer of the model `name` served by `adapter`, made on first use. */
function serializerOf(
  made: WeakMap<Adapter, ChatCompletionSerializer>,
  name: string,
  adapter: Adapter,
): ChatCompletionSerializer {
  let serializer = made.get(adapter);
  if (serializer === undefined) {
    serializer = createChatCompletionSerializer(name, adapter.task.labels);
    made.set(adapter, serializer);
  }
  return serializer;
}

/** Reads and checks the request, classifies its last user message and answers it. */
async function chatCompletion(
  context: Context,
  dependencies: ChatCompletionsRouteDependencies,
  serializers: (name: string, adapter: Adapter) => ChatCompletionSerializer,
): Promise<Response> {
  const request = await readChatCompletionRequest(context, dependencies.maxBodyBytes);
  const model = dependencies.models.pick(request.model);
  // Read once: a reload during this request does not change the adapter it is answered by.
  const { adapter, predictions } = model;
  const serializer = serializers(model.name, adapter);
  const text = textToClassify(request, dependencies.maxInputChars);
  // Checked before the input is answered: a format the answer cannot take is a 400 and no LM call.
  const format = answerFormatOf(request.response_format, adapter.task.labels);
  const answer = await predictions.classify(
    text,
    "chat_completions",
    requestSignalOf(context, dependencies.requestTimeoutMs),
  );
  const id = serializer.nextId();
  const created = Math.floor(dependencies.clock.now() / 1000);
  const content = answerContent(format, answer.label);
  if (request.stream === true) {
    const includeUsage = request.stream_options?.include_usage === true;
    return new Response(serializer.eventStream(id, created, answer, includeUsage, content), {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        [routeHeader]: answer.route,
      },
    });
  }
  return jsonResponse(serializer.completion(id, created, answer, content), answer.route);
}

/** The request body, validated (else a 400). */
async function readChatCompletionRequest(
  context: Context,
  maxBodyBytes: number,
): Promise<ChatCompletionRequestBody> {
  const parsed = chatCompletionRequestSchema.safeParse(await readJsonBody(context, maxBodyBytes));
  if (!parsed.success) throw invalidRequest(zodIssueMessage(parsed.error));
  return parsed.data;
}

/**
 * The text of the last user message; a 400 when there is none, when it is empty (or holds only
 * control and zero-width characters) or when it is longer than `maxInputChars`.
 */
function textToClassify(request: ChatCompletionRequestBody, maxInputChars: number): string {
  const message = lastUserMessage(request);
  if (message === undefined) throw invalidRequest("messages: no message with role `user`.");
  const where = `messages[${message.index}].content`;
  if (isEmptyText(message.text)) throw invalidRequest(`${where}: the last user message is empty`);
  if (isTooLong(message.text, maxInputChars)) {
    throw inputTooLong(tooLongMessage(where, message.text, maxInputChars));
  }
  return message.text;
}
