import type { Command } from "commander";
import { z } from "zod";
import { createAnthropicBatchClient } from "../large-models/batch/anthropic-batch-client.js";
import type { BatchClient } from "../large-models/batch/batch-client.js";
import { openBatchJobStore } from "../large-models/batch/batch-job-store.js";
import { createOpenAIBatchClient } from "../large-models/batch/openai-batch-client.js";
import type { DryRunEstimate } from "../large-models/dry-run-estimate.js";
import { type BatchEvent, type BatchProbeSummary, probeByBatch } from "../probe/batch/batch-probe.js";
import { EasyAdaptError } from "../spec/errors/easy-adapt-error.js";
import { UsageError } from "../spec/errors/usage-error.js";
import type { CompletionRequest } from "../spec/large-model.js";
import type { ProgressListener } from "../spec/logger.js";
import { apiKeyFrom, type LargeModelSetup } from "./lm-options.js";
import { parseOptions } from "./parse-options.js";

/** Adds `--batch`, `--batch-discount` and `--batch-poll-ms` (probe, adapt). */
export function addBatchOptions(command: Command): Command {
  return command
    .option(
      "--batch",
      "ask through the provider's batch API (cheaper, answered within hours); a rerun resumes its batch",
    )
    .option(
      "--batch-discount <x>",
      "batch price as a share of the list price (--dry-run, --max-dollars)",
      "0.5",
    )
    .option("--batch-poll-ms <n>", "wait between two polls of a running batch", "30000");
}

const batchSchema = z.object({
  batch: z.boolean().default(false),
  batchDiscount: z
    .string()
    .regex(/^(0(\.\d+)?|1(\.0+)?)$/, "--batch-discount must be a share between 0 and 1")
    .transform(Number)
    .default(0.5),
  batchPollMs: z
    .string()
    .regex(/^\d+$/, "--batch-poll-ms must be a whole number")
    .transform(Number)
    .default(30_000),
});

/** The batch flags, parsed. */
export type BatchSettings = z.output<typeof batchSchema>;

/** Parses the batch flags; `--batch` needs the answer cache (its answers and batch ids live there). */
export function batchSettingsFrom(
  rawOptions: Record<string, unknown>,
  setup: LargeModelSetup,
): BatchSettings {
  const settings = parseOptions(batchSchema, rawOptions);
  if (settings.batch && setup.cache === undefined) {
    throw new UsageError(
      "--batch needs the answer cache (its answers and batch ids are kept there): drop --no-cache",
    );
  }
  return settings;
}

/**
 * What asking `requests` would cost: at the batch price with --batch, at the list price otherwise
 * (the answers in the cache free, with --redis those in the fleet's Redis cache too).
 */
export function estimateCost(
  setup: LargeModelSetup,
  batch: BatchSettings,
  requests: Iterable<CompletionRequest>,
): Promise<DryRunEstimate> {
  if (!batch.batch || setup.prices === undefined) return setup.estimate(requests);
  return setup.estimate(requests, {
    inputPerMillion: setup.prices.inputPerMillion * batch.batchDiscount,
    outputPerMillion: setup.prices.outputPerMillion * batch.batchDiscount,
  });
}

/** The provider's batch API, at the address, model and key the LM flags name. */
function batchClientFor(setup: LargeModelSetup, env: Record<string, string | undefined>): BatchClient {
  const { settings } = setup;
  const key = apiKeyFrom(settings, env);
  const options = { model: settings.lmModel!, apiKey: key.apiKey, apiKeyEnv: key.apiKeyEnv };
  return settings.lmProvider === "anthropic"
    ? createAnthropicBatchClient({ ...options, baseUrl: settings.lmBaseUrl })
    : createOpenAIBatchClient({ ...options, baseUrl: settings.lmBaseUrl ?? "https://api.openai.com/v1" });
}

/**
 * `--batch`: asks the requests not yet cached through the batch API (resuming a batch an earlier
 * run submitted), writing each answer to the cache; notes each batch and the outcome on stderr.
 * What failed or expired is left for the synchronous probe that follows, at the list price.
 */
export async function runBatchProbe(
  setup: LargeModelSetup,
  batch: BatchSettings,
  requests: readonly CompletionRequest[],
  options: { onProgress: ProgressListener; signal: AbortSignal; env: Record<string, string | undefined> },
): Promise<BatchProbeSummary> {
  const cache = setup.cache!;
  const jobs = openBatchJobStore(cache.path);
  const batchIds: string[] = [];
  try {
    const summary = await probeByBatch(requests, {
      client: batchClientFor(setup, options.env),
      cache,
      jobs,
      modelId: setup.model.id,
      budget: setup.budget,
      priceFactor: batch.batchDiscount,
      pollIntervalMs: batch.batchPollMs,
      onProgress: options.onProgress,
      onBatch: ({ batchId, requests: count, kind }) => {
        if (kind !== "lost") batchIds.push(batchId);
        process.stderr.write(`${describeBatchEvent(batchId, count, kind)}\n`);
      },
      signal: options.signal,
    });
    process.stderr.write(`${describeBatchSummary(summary)}\n`);
    return summary;
  } catch (error) {
    if (!options.signal.aborted) throw error;
    throw new EasyAdaptError(
      `stopped while waiting for batch ${batchIds.join(", ") || "(none submitted)"}: it keeps running at the provider; ` +
        `rerun the same command to read its results (the batch id is kept in ${cache.path})`,
      { isUserError: true, exitCode: 130, cause: error },
    );
  } finally {
    jobs.close();
  }
}

function describeBatchEvent(batchId: string, count: number, kind: BatchEvent["kind"]): string {
  if (kind === "submitted") return `batch ${batchId} submitted: ${count} requests`;
  if (kind === "resumed")
    return `batch ${batchId} (submitted by an earlier run, ${count} requests): polling it again`;
  return `batch ${batchId} (submitted by an earlier run) is unknown to the provider now: its requests are submitted again`;
}

/** e.g. "batch: 3080 requests, 0 already cached: 3000 answered, 50 failed, 30 expired (asked synchronously now)". */
export function describeBatchSummary(summary: BatchProbeSummary): string {
  const left = summary.failed + summary.expired + summary.emptyReplies + summary.overBudget;
  const parts = [
    `batch: ${summary.requests} requests, ${summary.cached} already cached`,
    `: ${summary.answered} answered, ${summary.failed} failed, ${summary.expired} expired`,
    summary.emptyReplies > 0 ? `, ${summary.emptyReplies} empty` : "",
    summary.overBudget > 0 ? `, ${summary.overBudget} not submitted (over the budget)` : "",
    left > 0 ? ` (the ${left} left are asked synchronously now, at the list price)` : "",
  ];
  return parts.join("");
}
