import type { ReplayChatRequest } from "../replay-request.js";
import { chatRequestSchema, lastUserText } from "../replay-request.js";
import { completionBody, type ReplaySettings } from "../routes/chat-completions.js";

/** How the replay's batches behave: how long they take, and the faults injected into them. */
export interface ReplayBatchOptions {
  /** Time from submission until a batch has ended (default 0: ended at the first poll). */
  batchDelayMs?: number;
  /** Every n-th request of a batch (1-based) is answered with an injected 500 (default 0: none). */
  batchFailEvery?: number;
  /** A batch of more than n requests expires after answering its first n (default: never). */
  batchExpireAfter?: number;
}

/** One request of a replayed batch: its custom id and its chat request body (unvalidated). */
export interface ReplayBatchRequest {
  customId: string;
  body: unknown;
}

/** A request's outcome in a replayed batch. */
export type ReplayBatchOutcome =
  | { customId: string; kind: "succeeded"; completion: ReturnType<typeof completionBody> }
  | { customId: string; kind: "errored"; status: number; message: string }
  | { customId: string; kind: "expired" };

/** A batch held by the replay: when it was made, its requests, and (once ended) their outcomes. */
export interface ReplayBatch {
  id: string;
  createdAt: number;
  requests: readonly ReplayBatchRequest[];
  outcomes?: ReplayBatchOutcome[];
}

/** Where a replayed batch stands at `now`: ended or not, and its counts. */
export interface ReplayBatchProgress {
  ended: boolean;
  expired: boolean;
  total: number;
  succeeded: number;
  errored: number;
  expiredCount: number;
}

/**
 * The replay's batches (OpenAI's and Anthropic's routes each keep one): each ends `batchDelayMs`
 * after it was submitted, its requests answered like `/v1/chat/completions`, with the injected
 * failures and expiry. `list()` is every batch ever submitted (tests count submissions with it).
 */
export function createReplayBatches(settings: ReplaySettings, options: ReplayBatchOptions) {
  const batches = new Map<string, ReplayBatch>();
  const delayMs = options.batchDelayMs ?? 0;
  return {
    add(prefix: string, requests: readonly ReplayBatchRequest[]): ReplayBatch {
      const batch: ReplayBatch = { id: `${prefix}${batches.size + 1}`, createdAt: Date.now(), requests };
      batches.set(batch.id, batch);
      return batch;
    },
    get: (id: string) => batches.get(id),
    list: () => [...batches.values()],
    progress(batch: ReplayBatch): ReplayBatchProgress {
      const limit = options.batchExpireAfter ?? Number.POSITIVE_INFINITY;
      const answerable = Math.min(batch.requests.length, limit);
      const elapsedMs = Date.now() - batch.createdAt;
      if (elapsedMs >= delayMs) {
        batch.outcomes ??= outcomesOf(batch, settings, options, answerable);
        return { ...countOutcomes(batch.outcomes), ended: true, expired: answerable < batch.requests.length };
      }
      const finished = Math.floor((elapsedMs / delayMs) * answerable);
      const failEvery = options.batchFailEvery ?? 0;
      const errored = failEvery > 0 ? Math.floor(finished / failEvery) : 0;
      return {
        ended: false,
        expired: false,
        total: batch.requests.length,
        succeeded: finished - errored,
        errored,
        expiredCount: 0,
      };
    },
  };
}

/** The counts of an ended batch, from its outcomes. */
function countOutcomes(outcomes: readonly ReplayBatchOutcome[]) {
  const counts = { total: outcomes.length, succeeded: 0, errored: 0, expiredCount: 0 };
  for (const outcome of outcomes) {
    if (outcome.kind === "succeeded") counts.succeeded++;
    else if (outcome.kind === "errored") counts.errored++;
    else counts.expiredCount++;
  }
  return counts;
}

/** The replay's batch store. */
export type ReplayBatches = ReturnType<typeof createReplayBatches>;

function outcomesOf(
  batch: ReplayBatch,
  settings: ReplaySettings,
  options: ReplayBatchOptions,
  answerable: number,
): ReplayBatchOutcome[] {
  const failEvery = options.batchFailEvery ?? 0;
  return batch.requests.map((request, position) => {
    const { customId } = request;
    if (position >= answerable) return { customId, kind: "expired" };
    if (failEvery > 0 && (position + 1) % failEvery === 0) {
      return { customId, kind: "errored", status: 500, message: "injected server error" };
    }
    return answerOf(request, settings, position + 1);
  });
}

/** The recorded answer to one batched request, as `/v1/chat/completions` gives it, or its error. */
function answerOf(request: ReplayBatchRequest, settings: ReplaySettings, number: number): ReplayBatchOutcome {
  const { customId } = request;
  const parsed = chatRequestSchema.safeParse(request.body);
  if (!parsed.success) return { customId, kind: "errored", status: 400, message: "invalid request" };
  const chat: ReplayChatRequest = parsed.data;
  const lastUser = lastUserText(chat.messages);
  const recorded = lastUser === undefined ? undefined : settings.index.find(lastUser);
  if (recorded === undefined) {
    return { customId, kind: "errored", status: 404, message: "no recorded answer for this text" };
  }
  return { customId, kind: "succeeded", completion: completionBody(chat, recorded, settings, number) };
}
