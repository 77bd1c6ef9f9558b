import type { CompletionRequest } from "../spec/large-model.js";

/** A rough token count: about 4 characters per token (used for budgets, dry runs and replayed usage). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Estimated prompt tokens of a request: its messages' characters / 4, plus 4 per message for the chat framing. */
export function estimatePromptTokens(request: CompletionRequest): number {
  let characters = 0;
  for (const message of request.messages) characters += message.content.length;
  return Math.ceil(characters / 4) + 4 * request.messages.length;
}
