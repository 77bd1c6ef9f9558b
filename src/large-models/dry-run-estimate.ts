import type { CompletionRequest } from "../spec/large-model.js";
import type { AnswerCache } from "./answer-cache.js";
import { type BudgetLimits, costOf, type TokenPrices } from "./budget.js";
import { requestKey } from "./request-key.js";
import { estimatePromptTokens } from "./token-estimate.js";

export interface DryRunEstimate {
  requests: number;
  /** Requests already in the cache: free. */
  cached: number;
  /** Calls that would be made (requests not in the cache). */
  calls: number;
  promptTokens: number;
  /** Worst case: maxTokens per call. */
  completionTokens: number;
  /** Undefined when no prices are set. */
  dollars: number | undefined;
}

/** The model the requests go to, the answers already paid for, and the prices (none: no dollars). */
export interface EstimateContext {
  modelId: string;
  cache?: Pick<AnswerCache, "has"> | undefined;
  prices?: TokenPrices | undefined;
}

/**
 * As `estimateRequestsCost`, with the answers of a shared cache free too: `sharedHas` says which
 * request hashes (of those not in `context.cache`) it holds, e.g. the fleet's Redis with `--redis`.
 */
export async function estimateWithSharedCache(
  requests: Iterable<CompletionRequest>,
  context: EstimateContext,
  sharedHas: (modelId: string, hashes: readonly string[]) => Promise<ReadonlySet<string>>,
): Promise<DryRunEstimate> {
  const all = [...requests];
  const local = context.cache;
  const notLocal = all.map(requestKey).filter((hash) => local?.has(context.modelId, hash) !== true);
  const shared = await sharedHas(context.modelId, [...new Set(notLocal)]);
  const cache = {
    has: (modelId: string, hash: string) => local?.has(modelId, hash) === true || shared.has(hash),
  };
  return estimateRequestsCost(all, { ...context, cache });
}

/** What asking `requests` would cost: ~4 characters per prompt token, maxTokens per answer, cache hits free. */
export function estimateRequestsCost(
  requests: Iterable<CompletionRequest>,
  context: EstimateContext,
): DryRunEstimate {
  const estimate = { requests: 0, cached: 0, calls: 0, promptTokens: 0, completionTokens: 0 };
  for (const request of requests) {
    estimate.requests++;
    if (context.cache?.has(context.modelId, requestKey(request))) {
      estimate.cached++;
      continue;
    }
    estimate.calls++;
    estimate.promptTokens += estimatePromptTokens(request);
    estimate.completionTokens += request.maxTokens;
  }
  const dollars =
    context.prices === undefined
      ? undefined
      : costOf(
          { promptTokens: estimate.promptTokens, completionTokens: estimate.completionTokens },
          context.prices,
        );
  return { ...estimate, dollars };
}

/** The first budget cap the estimated work would pass, as a sentence; undefined when it fits. */
export function budgetShortfall(estimate: DryRunEstimate, limits: BudgetLimits): string | undefined {
  if (limits.maxCalls !== undefined && estimate.calls > limits.maxCalls) {
    return `--max-calls ${limits.maxCalls} would stop the work after ${limits.maxCalls} of ${estimate.calls} calls`;
  }
  const tokens = estimate.promptTokens + estimate.completionTokens;
  if (limits.maxTokens !== undefined && tokens > limits.maxTokens) {
    return `--max-tokens ${limits.maxTokens} is below the ~${tokens} tokens estimated`;
  }
  if (
    limits.maxDollars !== undefined &&
    estimate.dollars !== undefined &&
    estimate.dollars > limits.maxDollars
  ) {
    return `--max-dollars ${limits.maxDollars} is below the ~$${estimate.dollars.toFixed(4)} estimated`;
  }
  return undefined;
}

export function formatDryRunEstimate(estimate: DryRunEstimate): string {
  const cost =
    estimate.dollars === undefined
      ? "cost unknown (set --price-input-per-mtok and --price-output-per-mtok)"
      : `~$${estimate.dollars.toFixed(4)}`;
  return (
    `dry run: ${estimate.calls} LM calls (${estimate.cached} of ${estimate.requests} requests already cached), ` +
    `~${estimate.promptTokens} prompt tokens + up to ${estimate.completionTokens} output tokens, ${cost}; nothing was spent`
  );
}
