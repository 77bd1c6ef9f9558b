import type { BatchResult } from "../../large-models/batch/batch-client.js";
import { isEmptyReply } from "../../large-models/empty-reply.js";
import { sleep } from "../../large-models/sleep.js";
import type { TokenUsage } from "../../spec/large-model.js";
import type { BatchProbeOptions, BatchProbeSummary } from "./batch-probe.js";

/** One batch being waited on: its id, its requests and how far the provider says it is. */
export interface PolledBatch {
  batchId: string;
  requestHashes: readonly string[];
  finished: number;
  total: number;
}

/** The state of one batch probe: its options, its counts, the open budget reservations, its batches. */
export interface BatchRun {
  options: BatchProbeOptions;
  summary: BatchProbeSummary;
  /** Budget reservations by request key, settled when the answer is read, released otherwise. */
  reservations: Map<string, { settle(usage: TokenUsage): void; release(): void }>;
  batches: PolledBatch[];
}

/**
 * Polls the batches until each has ended, reporting progress (stage "batch") after each round,
 * and reads each ended batch's results into the cache at once. The first poll is immediate.
 */
export async function pollBatches(run: BatchRun): Promise<void> {
  const { client, signal } = run.options;
  const intervalMs = run.options.pollIntervalMs ?? 30_000;
  let open = [...run.batches];
  for (;;) {
    const stillOpen = [];
    for (const batch of open) {
      const status = await client.status(batch.batchId, signal);
      batch.total = status.total > 0 ? status.total : batch.requestHashes.length;
      batch.finished = Math.min(status.finished, batch.total);
      if (status.ended) await readBatch(run, batch);
      else stillOpen.push(batch);
    }
    open = stillOpen;
    reportProgress(run, open.length);
    if (open.length === 0) return;
    await sleep(intervalMs, signal);
  }
}

function reportProgress(run: BatchRun, running: number): void {
  let done = 0;
  let total = 0;
  for (const batch of run.batches) {
    done += batch.finished;
    total += batch.total;
  }
  const { answered, failed, expired } = run.summary;
  run.options.onProgress?.({
    stage: "batch",
    done,
    total,
    detail: `${running} batch${running === 1 ? "" : "es"} running, ${answered} answers read, ${failed} failed, ${expired} expired`,
  });
}

/** Reads an ended batch's results into the cache; requests with no result line count as failed. */
async function readBatch(run: BatchRun, batch: PolledBatch): Promise<void> {
  const { client, signal } = run.options;
  const seen = new Set<string>();
  await client.readResults(
    batch.batchId,
    (result) => {
      seen.add(result.customId);
      recordResult(run, result);
    },
    signal,
  );
  for (const hash of batch.requestHashes) {
    if (seen.has(hash)) continue;
    run.summary.failed++;
    releaseReservation(run, hash);
  }
  batch.finished = batch.total;
  run.options.jobs.finish(batch.batchId);
}

/** Writes one answer to the cache (settling its reservation), or counts why there is none. */
function recordResult(run: BatchRun, result: BatchResult): void {
  const { summary } = run;
  if (!result.ok) {
    if (result.reason === "failed") summary.failed++;
    else summary.expired++;
    releaseReservation(run, result.customId);
    return;
  }
  const reservation = run.reservations.get(result.customId);
  reservation?.settle(result.usage);
  run.reservations.delete(result.customId);
  if (isEmptyReply(result.text)) {
    summary.emptyReplies++;
    return;
  }
  run.options.cache.put(run.options.modelId, result.customId, { text: result.text, usage: result.usage });
  summary.answered++;
}

function releaseReservation(run: BatchRun, key: string): void {
  run.reservations.get(key)?.release();
  run.reservations.delete(key);
}
