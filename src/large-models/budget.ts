import type {
  Completion,
  CompletionRequest,
  LargeModel,
  TokenPrices,
  TokenUsage,
} from "../spec/large-model.js";
import { BudgetExceededError } from "./errors/budget-exceeded-error.js";
import { estimatePromptTokens } from "./token-estimate.js";

export type { TokenPrices };

/** The caps of a budget (each unlimited when absent); dollars are counted at `prices`. */
export interface BudgetLimits {
  maxCalls?: number | undefined;
  maxTokens?: number | undefined;
  maxDollars?: number | undefined;
  prices?: TokenPrices | undefined;
}

/** What finished LM calls have cost so far: calls, tokens, and dollars at the budget's prices. */
export interface Spend {
  calls: number;
  promptTokens: number;
  completionTokens: number;
  dollars: number;
}

/**
 * Tracks LM spend and refuses a call that could pass a cap: each call reserves its worst case
 * (estimated prompt tokens + maxTokens) before it starts, and settles to its real usage after.
 */
export interface Budget {
  readonly limits: BudgetLimits;
  /** Spend of finished calls. */
  spent(): Spend;
  /**
   * Reserves one call or throws BudgetExceededError; returns how to settle or release it. Its
   * dollars count at `priceFactor` times the prices (a batch API's discount: 0.5 for half price).
   */
  reserve(
    request: CompletionRequest,
    priceFactor?: number,
  ): { settle(usage: TokenUsage): void; release(): void };
}

export function costOf(usage: TokenUsage, prices: TokenPrices | undefined): number {
  if (prices === undefined) return 0;
  return (
    (usage.promptTokens * prices.inputPerMillion + usage.completionTokens * prices.outputPerMillion) / 1e6
  );
}

/** A budget that refuses calls past `limits` (none by default); give it to `createBudgetedModel`. */
export function createBudget(limits: BudgetLimits = {}): Budget {
  const spent: Spend = { calls: 0, promptTokens: 0, completionTokens: 0, dollars: 0 };
  const reserved = { calls: 0, tokens: 0, dollars: 0 };
  return {
    limits,
    spent: () => ({ ...spent }),
    reserve(request, priceFactor = 1) {
      const worst: TokenUsage = {
        promptTokens: estimatePromptTokens(request),
        completionTokens: request.maxTokens,
      };
      const tokens = worst.promptTokens + worst.completionTokens;
      const dollars = costOf(worst, limits.prices) * priceFactor;
      if (limits.maxCalls !== undefined && spent.calls + reserved.calls + 1 > limits.maxCalls) {
        throw new BudgetExceededError("calls", limits.maxCalls);
      }
      if (
        limits.maxTokens !== undefined &&
        spent.promptTokens + spent.completionTokens + reserved.tokens + tokens > limits.maxTokens
      ) {
        throw new BudgetExceededError("tokens", limits.maxTokens);
      }
      if (limits.maxDollars !== undefined && spent.dollars + reserved.dollars + dollars > limits.maxDollars) {
        throw new BudgetExceededError("dollars", limits.maxDollars);
      }
      reserved.calls += 1;
      reserved.tokens += tokens;
      reserved.dollars += dollars;
      let open = true;
      const release = () => {
        if (!open) return;
        open = false;
        reserved.calls -= 1;
        reserved.tokens -= tokens;
        reserved.dollars -= dollars;
      };
      return {
        release,
        settle(usage) {
          if (!open) return;
          release();
          spent.calls += 1;
          spent.promptTokens += usage.promptTokens;
          spent.completionTokens += usage.completionTokens;
          spent.dollars += costOf(usage, limits.prices) * priceFactor;
        },
      };
    },
  };
}

/** A model whose calls are reserved against `budget` (BudgetExceededError before a call that could pass a cap). */
export function createBudgetedModel(inner: LargeModel, budget: Budget): LargeModel {
  return {
    id: inner.id,
    async complete(request: CompletionRequest, options?: { signal?: AbortSignal }): Promise<Completion> {
      const reservation = budget.reserve(request);
      try {
        const completion = await inner.complete(request, options);
        reservation.settle(completion.usage);
        return completion;
      } finally {
        reservation.release();
      }
    },
  };
}
