import { randomBytes } from "node:crypto";
import type { AdaptedPrediction } from "../../spec/adapter.js";

/** What one answer carries into a response body. */
export type ServedAnswer = Pick<
  AdaptedPrediction,
  "label" | "route" | "confidence" | "fallbackReason" | "lmUsage"
>;

/**
 * Serialises chat-completion answers (plain and server-sent events) for one model name, with the
 * constant parts and the label strings serialised once. `content` is the message content as a
 * JSON string (the label itself by default; `answerContent` of `response-format.ts` otherwise).
 */
export interface ChatCompletionSerializer {
  nextId(): string;
  completion(id: string, created: number, answer: ServedAnswer, content?: string): string;
  eventStream(
    id: string,
    created: number,
    answer: ServedAnswer,
    includeUsage: boolean,
    content?: string,
  ): string;
}

/** The serializer of one served model, whose answers are among `labels` (others are serialised per answer). */
export function createChatCompletionSerializer(
  model: string,
  labels: readonly string[],
): ChatCompletionSerializer {
  const modelJson = JSON.stringify(model);
  const labelJson = new Map<string, string>();
  for (const label of labels) labelJson.set(label, JSON.stringify(label));
  const idPrefix = `chatcmpl-${randomBytes(6).toString("hex")}`;
  let counter = 0;

  const jsonLabel = (label: string) => labelJson.get(label) ?? JSON.stringify(label);
  const chunkHead = (id: string, created: number) =>
    `data: {"id":"${id}","object":"chat.completion.chunk","created":${created},"model":${modelJson},"choices":[`;

  return {
    nextId() {
      counter += 1;
      return `${idPrefix}${counter.toString(36)}`;
    },
    completion(id, created, answer, content) {
      return (
        `{"id":"${id}","object":"chat.completion","created":${created},"model":${modelJson},` +
        `"choices":[{"index":0,"message":{"role":"assistant","content":${content ?? jsonLabel(answer.label)},"refusal":null},` +
        `"logprobs":null,"finish_reason":"stop"}],` +
        `"usage":${usageJson(answer)},${vendorJson(answer)}}`
      );
    },
    eventStream(id, created, answer, includeUsage, content) {
      const head = chunkHead(id, created);
      const vendor = vendorJson(answer);
      // With include_usage, OpenAI sends `"usage": null` on every chunk and the usage in a last chunk without choices.
      const usage = includeUsage ? ',"usage":null' : "";
      let stream =
        `${head}{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]${usage}}\n\n` +
        `${head}{"index":0,"delta":{"content":${content ?? jsonLabel(answer.label)}},"logprobs":null,"finish_reason":null}]${usage},${vendor}}\n\n` +
        `${head}{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]${usage},${vendor}}\n\n`;
      if (includeUsage) stream += `${head}],"usage":${usageJson(answer)}}\n\n`;
      return `${stream}data: [DONE]\n\n`;
    },
  };
}

/** The body's `easy_adapt` field: the route, the confidence and, on a fallback, its reason. */
function vendorJson(answer: ServedAnswer): string {
  return `"easy_adapt":{"route":"${answer.route}","confidence":${finite(answer.confidence)}${fallbackReasonField(answer)}}`;
}

/** `,"fallback_reason":"..."` for a fallback that has a reason, else nothing. */
export function fallbackReasonField(answer: Pick<ServedAnswer, "fallbackReason">): string {
  return answer.fallbackReason === undefined ? "" : `,"fallback_reason":"${answer.fallbackReason}"`;
}

/** OpenAI's `usage`: the upstream LM call's tokens where one was made for this answer, else zeros. */
function usageJson({ lmUsage }: ServedAnswer): string {
  const prompt = lmUsage === undefined ? 0 : finite(lmUsage.promptTokens);
  const completion = lmUsage === undefined ? 0 : finite(lmUsage.completionTokens);
  return `{"prompt_tokens":${prompt},"completion_tokens":${completion},"total_tokens":${prompt + completion}}`;
}

function finite(value: number): number {
  return Number.isFinite(value) ? value : 0;
}
