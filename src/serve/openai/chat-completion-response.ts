import { randomBytes } from "node:crypto";
import type { FallbackReason, Route } from "../../spec/adapter.js";

/** What one answer carries into a response body. */
export interface ServedAnswer {
  label: string;
  route: Route;
  confidence: number;
  /** Why the SSM answered an input routed to the LM (route "fallback"). */
  fallbackReason?: FallbackReason | undefined;
}

/**
 * Serialises chat-completion answers (plain and server-sent events) for one model name, with the
 * constant parts and the label strings serialised once.
 */
export interface ChatCompletionSerializer {
  nextId(): string;
  completion(id: string, created: number, answer: ServedAnswer): string;
  eventStream(id: string, created: number, answer: ServedAnswer, includeUsage: boolean): string;
}

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
  const vendor = (answer: ServedAnswer) =>
    `"easy_adapt":{"route":"${answer.route}","confidence":${finite(answer.confidence)}${fallbackReasonField(answer)}}`;
  const chunkHead = (id: string, created: number) =>
    `data: {"id":"${id}","object":"chat.completion.chunk","created":${created},"model":${modelJson},"choices":[`;

  return {
    nextId() {
      counter += 1;
      return `${idPrefix}${counter.toString(36)}`;
    },
    completion(id, created, answer) {
      return (
        `{"id":"${id}","object":"chat.completion","created":${created},"model":${modelJson},` +
        `"choices":[{"index":0,"message":{"role":"assistant","content":${jsonLabel(answer.label)},"refusal":null},` +
        `"logprobs":null,"finish_reason":"stop"}],` +
        `"usage":{"prompt_tokens":0,"completion_tokens":0,"total_tokens":0},${vendor(answer)}}`
      );
    },
    eventStream(id, created, answer, includeUsage) {
      const head = chunkHead(id, created);
      const usage = includeUsage ? ',"usage":null' : "";
      let stream =
        `${head}{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]${usage}}\n\n` +
        `${head}{"index":0,"delta":{"content":${jsonLabel(answer.label)}},"logprobs":null,"finish_reason":null}]${usage},${vendor(answer)}}\n\n` +
        `${head}{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]${usage},${vendor(answer)}}\n\n`;
      if (includeUsage) {
        stream += `${head}],"usage":{"prompt_tokens":0,"completion_tokens":0,"total_tokens":0}}\n\n`;
      }
      return `${stream}data: [DONE]\n\n`;
    },
  };
}

/** `,"fallback_reason":"..."` for a fallback that has a reason, else nothing. */
export function fallbackReasonField(answer: ServedAnswer): string {
  return answer.fallbackReason === undefined ? "" : `,"fallback_reason":"${answer.fallbackReason}"`;
}

function finite(value: number): number {
  return Number.isFinite(value) ? value : 0;
}
