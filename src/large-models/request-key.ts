import { createHash } from "node:crypto";
import type { CompletionRequest } from "../spec/large-model.js";

/** sha256 (hex) of the exact request: its messages in order, temperature and maxTokens. */
export function requestKey(request: CompletionRequest): string {
  const hash = createHash("sha256");
  hash.update(`t=${request.temperature};m=${request.maxTokens};n=${request.messages.length}\n`);
  for (const message of request.messages) {
    hash.update(`${message.role}:${message.content.length}:`);
    hash.update(message.content);
    hash.update("\n");
  }
  return hash.digest("hex");
}
