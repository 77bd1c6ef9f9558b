import { z } from "zod";
import { responseFormatSchema } from "./response-format.js";

const contentPartSchema = z.object({ type: z.string(), text: z.string().optional() });

const chatMessageSchema = z.object({
  role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
  content: z.union([z.string(), z.array(contentPartSchema), z.null()]).optional(),
});

/** The part of an OpenAI chat-completion request the server reads; other fields are accepted and ignored. */
export const chatCompletionRequestSchema = z.object({
  model: z.string().min(1),
  messages: z.array(chatMessageSchema).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  n: z.literal(1).nullish(),
  response_format: responseFormatSchema.nullish(),
});

export type ChatCompletionRequestBody = z.infer<typeof chatCompletionRequestSchema>;

/** The last user message: its index in `messages` and its text (text parts joined by newlines). */
export interface LastUserMessage {
  index: number;
  text: string;
}

/** The last user message, or undefined when there is none; `null` or absent content is the empty text. */
export function lastUserMessage(request: ChatCompletionRequestBody): LastUserMessage | undefined {
  for (let index = request.messages.length - 1; index >= 0; index -= 1) {
    const message = request.messages[index]!;
    if (message.role !== "user") continue;
    const content = message.content;
    if (typeof content === "string") return { index, text: content };
    if (content === null || content === undefined) return { index, text: "" };
    const texts: string[] = [];
    for (const part of content) if (part.type === "text" && part.text !== undefined) texts.push(part.text);
    return { index, text: texts.join("\n") };
  }
  return undefined;
}
