import type { CompletionRequest, TokenUsage } from "../../spec/large-model.js";

/** One request of a batch: its id (the request's cache key) and the chat request itself. */
export interface BatchEntry {
  customId: string;
  request: CompletionRequest;
}

/** Where a batch stands at the provider: still running, or ended (then its results can be read). */
export interface BatchStatus {
  ended: boolean;
  /** The provider's own word for it ("in_progress", "completed", "expired", "ended", ...). */
  state: string;
  total: number;
  /** Requests finished so far, succeeded or not. */
  finished: number;
}

/**
 * One request's outcome as the results file gives it: its answer text and usage, or why it has
 * none ("failed": the provider answered it with an error; "expired": the batch's window closed
 * first; "canceled": the batch was cancelled before it ran).
 */
export type BatchResult =
  | { customId: string; ok: true; text: string; usage: TokenUsage }
  | { customId: string; ok: false; reason: "failed" | "expired" | "canceled"; message: string };

/**
 * A provider's batch API: submit many chat requests at once (answered within hours, at a
 * discount), poll the batch, read its results line by line.
 */
export interface BatchClient {
  /** Identifies the provider and its address, e.g. "openai-compatible http://127.0.0.1:8000/v1". */
  readonly endpoint: string;
  /** Most requests one batch may hold. */
  readonly maxRequests: number;
  /** Submits the requests as one batch; returns its id. */
  submit(entries: readonly BatchEntry[], signal?: AbortSignal): Promise<string>;
  status(batchId: string, signal?: AbortSignal): Promise<BatchStatus>;
  /** Reads the ended batch's results, calling `onResult` for each line as it arrives. */
  readResults(batchId: string, onResult: (result: BatchResult) => void, signal?: AbortSignal): Promise<void>;
}
