import type { IncomingMessage } from "node:http";
import type { Context } from "hono";
import { z } from "zod";

/** The replay app's Hono environment: under @hono/node-server, the Node request. */
export type ReplayEnv = { Bindings: { incoming?: IncomingMessage } };

const contentSchema = z.union([
  z.string(),
  z.array(z.object({ type: z.string(), text: z.string().optional() })),
]);

/** The part of an OpenAI chat-completion request the replay reads; other fields are accepted and ignored. */
export const chatRequestSchema = z.object({
  model: z.string().optional(),
  messages: z.array(z.object({ role: z.string(), content: contentSchema.nullish() })).min(1),
});

export type ReplayChatRequest = z.infer<typeof chatRequestSchema>;

type ReplayMessage = ReplayChatRequest["messages"][number];

/**
 * The request body as JSON. Under @hono/node-server the body is read straight from the Node request
 * (much cheaper than building a web Request); in memory (`app.request`) through Hono.
 */
export async function readJson(context: Context<ReplayEnv>): Promise<unknown> {
  const incoming = context.env?.incoming;
  if (incoming === undefined || typeof incoming.on !== "function") return context.req.json();
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

/** A message's text: a string as is, the parts' texts joined without separator, none as "". */
export function contentText(content: ReplayMessage["content"]): string {
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  return content.map((part) => part.text ?? "").join("");
}

/** The text of the last user message, or undefined when there is none. */
export function lastUserText(messages: readonly ReplayMessage[]): string | undefined {
  for (let position = messages.length - 1; position >= 0; position--) {
    const message = messages[position]!;
    if (message.role === "user") return contentText(message.content);
  }
  return undefined;
}
