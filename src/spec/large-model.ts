/**
 * Contract v1 for a large model: anything that answers a chat prompt — a remote API, a replay of
 * recorded answers, a local model.
 */
export interface LargeModel {
  /** Stable id used as the cache key's model part, e.g. "openai-compatible:gpt-4o-mini". */
  readonly id: string;
  complete(request: CompletionRequest, options?: { signal?: AbortSignal }): Promise<Completion>;
}

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface CompletionRequest {
  messages: ChatMessage[];
  /** 0 for classification. */
  temperature: number;
  maxTokens: number;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface Completion {
  text: string;
  usage: TokenUsage;
  /** True when the answer came from the local cache and cost nothing. */
  cached: boolean;
}

/** Prices of one LM in US dollars per million tokens. */
export interface TokenPrices {
  inputPerMillion: number;
  outputPerMillion: number;
}
