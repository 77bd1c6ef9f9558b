import type { CachedAnswer } from "./answer-cache.js";

/**
 * What the cached model asks of an answer store: the SQLite `AnswerCache` (synchronous), or the
 * Redis one a fleet of replicas shares (asynchronous, with `claim`).
 */
export interface AnswerStore {
  get(modelId: string, requestHash: string): CachedAnswer | undefined | Promise<CachedAnswer | undefined>;
  put(modelId: string, requestHash: string, answer: CachedAnswer): void | Promise<void>;
  /**
   * Across processes: makes this caller the one that asks the LM for a request no store holds yet
   * (`owner`: call, `put`, then `release`), or waits a bounded time for the answer another process
   * is getting (`answer`); `none` when neither came about (the caller then asks the LM itself).
   */
  claim?(modelId: string, requestHash: string, signal?: AbortSignal): Promise<AnswerClaim>;
}

/** The outcome of `AnswerStore.claim`. */
export type AnswerClaim =
  | { kind: "owner"; release(): void }
  | { kind: "answer"; answer: CachedAnswer }
  | { kind: "none" };
