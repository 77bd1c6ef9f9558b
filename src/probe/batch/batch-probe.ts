import type { AnswerCache } from "../../large-models/answer-cache.js";
import type { BatchClient, BatchEntry } from "../../large-models/batch/batch-client.js";
import type { BatchJobStore } from "../../large-models/batch/batch-job-store.js";
import type { Budget } from "../../large-models/budget.js";
import { isEmptyReply } from "../../large-models/empty-reply.js";
import { BudgetExceededError } from "../../large-models/errors/budget-exceeded-error.js";
import { LargeModelHttpError } from "../../large-models/errors/large-model-http-error.js";
import { requestKey } from "../../large-models/request-key.js";
import type { CompletionRequest } from "../../spec/large-model.js";
import type { ProgressListener } from "../../spec/logger.js";
import { type BatchRun, pollBatches } from "./poll-batches.js";

/** How `probeByBatch` submits, polls and pays: the provider's batch API, the cache, the budget. */
export interface BatchProbeOptions {
  client: BatchClient;
  /** Where every answer read from a batch is written (and what is already there is not asked). */
  cache: AnswerCache;
  /** The submitted batches, kept in the cache's file so that a rerun resumes them. */
  jobs: BatchJobStore;
  /** The cache key's model part (the connector's id). */
  modelId: string;
  /** Each request is reserved against it before it is submitted, at `priceFactor` times the prices. */
  budget?: Budget;
  /** The batch price as a share of the list price (default 0.5). */
  priceFactor?: number;
  /** Wait between two polls (default 30 000 ms). */
  pollIntervalMs?: number;
  /** Called with stage "batch" after each poll: requests finished out of those in the batches. */
  onProgress?: ProgressListener;
  /** Called for each batch submitted, and each batch taken up again from an earlier run. */
  onBatch?: (event: BatchEvent) => void;
  signal?: AbortSignal;
}

/**
 * A batch this run submitted ("submitted"), took up from an earlier run ("resumed"), or found
 * stored but unknown to the provider any more ("lost": its requests are submitted again).
 */
export interface BatchEvent {
  batchId: string;
  requests: number;
  kind: "submitted" | "resumed" | "lost";
}

/** What a batch probe did: how many distinct requests it had, and what became of them. */
export interface BatchProbeSummary {
  /** Distinct requests (identical prompts are asked once). */
  requests: number;
  /** Already in the answer cache: not submitted. */
  cached: number;
  /** Requests submitted in new batches by this run. */
  submitted: number;
  /** Requests in batches an earlier run submitted, polled again rather than submitted twice. */
  resumed: number;
  /** New batches submitted by this run. */
  batchesSubmitted: number;
  /** Answers read from the batches and written to the cache. */
  answered: number;
  /** Requests the provider answered with an error (or no result at all). */
  failed: number;
  /** Requests the batch's window closed on (or its cancellation) before they ran. */
  expired: number;
  /** Answers with no text: not cached (asked again synchronously). */
  emptyReplies: number;
  /** Requests left out of the batches because the budget could not cover them. */
  overBudget: number;
}

/**
 * Asks `requests` through the provider's batch API and writes each answer to the answer cache as
 * its result line is read. Requests already cached are not asked; a batch an earlier (killed) run
 * submitted for these requests is polled again, never submitted twice. Requests the batch failed
 * or let expire are counted, not retried here: whatever is still not cached afterwards is for
 * the caller's synchronous probe to ask (which then finds every batch answer in the cache).
 */
export async function probeByBatch(
  requests: readonly CompletionRequest[],
  options: BatchProbeOptions,
): Promise<BatchProbeSummary> {
  const byKey = new Map<string, CompletionRequest>();
  for (const request of requests) byKey.set(requestKey(request), request);
  const summary = emptySummary(byKey.size);
  const needed = new Set<string>();
  for (const key of byKey.keys()) {
    const hit = options.cache.get(options.modelId, key);
    if (hit !== undefined && !isEmptyReply(hit.text)) summary.cached++;
    else needed.add(key);
  }
  const run: BatchRun = { options, summary, reservations: new Map(), batches: [] };
  try {
    await resumeBatches(run, byKey, needed);
    await submitBatches(run, byKey, needed);
    if (run.batches.length > 0) await pollBatches(run);
  } finally {
    for (const reservation of run.reservations.values()) reservation.release();
  }
  return summary;
}

function emptySummary(requests: number): BatchProbeSummary {
  return {
    requests,
    cached: 0,
    submitted: 0,
    resumed: 0,
    batchesSubmitted: 0,
    answered: 0,
    failed: 0,
    expired: 0,
    emptyReplies: 0,
    overBudget: 0,
  };
}

/**
 * Takes up the unfinished batches of earlier runs whose requests all belong to this run (the
 * batch id is stored with the cache): their requests are not submitted again. A stored batch
 * the provider answers 404 for (deleted, archived) is marked done and its requests stay needed.
 */
async function resumeBatches(
  run: BatchRun,
  byKey: ReadonlyMap<string, CompletionRequest>,
  needed: Set<string>,
): Promise<void> {
  const { client, jobs, modelId } = run.options;
  for (const job of jobs.unfinished(client.endpoint, modelId)) {
    if (!job.requestHashes.every((hash) => byKey.has(hash))) continue;
    if (await isLost(run, job.batchId)) {
      jobs.finish(job.batchId);
      run.options.onBatch?.({ batchId: job.batchId, requests: job.requestHashes.length, kind: "lost" });
      continue;
    }
    let pending = 0;
    for (const hash of job.requestHashes) {
      if (!needed.delete(hash)) continue;
      pending++;
      reserve(run, hash, byKey.get(hash)!, true);
    }
    run.summary.resumed += pending;
    run.batches.push({
      batchId: job.batchId,
      requestHashes: job.requestHashes,
      finished: 0,
      total: job.requestHashes.length,
    });
    run.options.onBatch?.({ batchId: job.batchId, requests: job.requestHashes.length, kind: "resumed" });
  }
}

/** True when the provider no longer knows the batch (404); other errors are thrown. */
async function isLost(run: BatchRun, batchId: string): Promise<boolean> {
  try {
    await run.options.client.status(batchId, run.options.signal);
    return false;
  } catch (error) {
    if (error instanceof LargeModelHttpError && error.status === 404) return true;
    throw error;
  }
}

/** Submits the requests still needed (those the budget covers) in batches of the provider's size. */
async function submitBatches(
  run: BatchRun,
  byKey: ReadonlyMap<string, CompletionRequest>,
  needed: ReadonlySet<string>,
): Promise<void> {
  const entries: BatchEntry[] = [];
  for (const key of needed) {
    const request = byKey.get(key)!;
    if (!reserve(run, key, request, false)) {
      run.summary.overBudget = needed.size - entries.length;
      break;
    }
    entries.push({ customId: key, request });
  }
  const { client, jobs, modelId, signal } = run.options;
  for (let start = 0; start < entries.length; start += client.maxRequests) {
    const chunk = entries.slice(start, start + client.maxRequests);
    const batchId = await client.submit(chunk, signal);
    const hashes = chunk.map((entry) => entry.customId);
    jobs.record(client.endpoint, modelId, batchId, hashes);
    run.summary.submitted += chunk.length;
    run.summary.batchesSubmitted++;
    run.batches.push({ batchId, requestHashes: hashes, finished: 0, total: hashes.length });
    run.options.onBatch?.({ batchId, requests: chunk.length, kind: "submitted" });
  }
}

/**
 * Reserves one request against the budget at the batch price; false when the budget refuses it.
 * A resumed request is already paid for: a refusal does not keep it from being read.
 */
function reserve(run: BatchRun, key: string, request: CompletionRequest, resumed: boolean): boolean {
  const { budget } = run.options;
  if (budget === undefined) return true;
  try {
    run.reservations.set(key, budget.reserve(request, run.options.priceFactor ?? 0.5));
    return true;
  } catch (error) {
    if (error instanceof BudgetExceededError) return resumed;
    throw error;
  }
}
