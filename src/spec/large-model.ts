/**
 * Contract v1 for a large model: anything that answers a chat prompt — a remote API, a replay of
 * recorded answers, a local model.
 */
export interface LargeModel {
  /** Stable id used as the cache key's model part, e.g. "openai-compatible:gpt-4o-mini". */
  readonly id: string;
  /** Answers one chat prompt; `signal` aborts the call. Failures are EasyAdaptErrors (LargeModel*Error). */
  complete(request: CompletionRequest, options?: { signal?: AbortSignal }): Promise<Completion>;
}

/** One message of a chat prompt. */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** A chat prompt to complete, with its sampling temperature and output token limit. */
export interface CompletionRequest {
  messages: ChatMessage[];
  /** 0 for classification. */
  temperature: number;
  maxTokens: number;
}

/** Tokens a call used, as the provider counted them (or estimated where it does not say). */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

/** A large model's answer to a CompletionRequest. */
export interface Completion {
  text: string;
  usage: TokenUsage;
  /**
   * True when the answer cost nothing: it came from the local cache, or from an identical call
   * already in flight (then `shared` is true as well).
   */
  cached: boolean;
  /** True when the answer is that of an identical call already in flight (see `createDeduplicatingModel`). */
  shared?: boolean;
}

/** Prices of one LM in US dollars per million tokens. */
export interface TokenPrices {
  inputPerMillion: number;
  outputPerMillion: number;
}
