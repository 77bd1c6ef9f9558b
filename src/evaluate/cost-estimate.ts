import type { TokenPrices } from "../spec/large-model.js";

export type { TokenPrices };

/** What a system spent on the LM over an evaluation. */
export interface LmUsage {
  calls: number;
  inputTokens: number;
  outputTokens: number;
}

export interface CostEstimate extends LmUsage {
  /** False when no prices were given: `totalUsd` is then 0 and reports say "unknown". */
  known: boolean;
  totalUsd: number;
  /** totalUsd / calls (0 with no calls). */
  perCallUsd: number;
}

/** Estimated cost of `usage` at `prices`; zero and `known: false` when prices are unknown. */
export function estimateCost(usage: LmUsage, prices?: TokenPrices): CostEstimate {
  for (const [name, value] of Object.entries(usage)) {
    if (!(Number.isFinite(value) && value >= 0))
      throw new RangeError(`${name} must be a non-negative number, got ${value}`);
  }
  if (prices === undefined) return { ...usage, known: false, totalUsd: 0, perCallUsd: 0 };
  for (const [name, value] of Object.entries(prices)) {
    if (!(Number.isFinite(value) && value >= 0))
      throw new RangeError(`${name} must be a non-negative price, got ${value}`);
  }
  const totalUsd =
    (usage.inputTokens * prices.inputPerMillion + usage.outputTokens * prices.outputPerMillion) / 1_000_000;
  return { ...usage, known: true, totalUsd, perCallUsd: usage.calls === 0 ? 0 : totalUsd / usage.calls };
}

/** "$0.0123" (4 significant decimals for small sums), or "unknown" when prices were not given. */
export function formatCost(estimate: Pick<CostEstimate, "known" | "totalUsd">): string {
  if (!estimate.known) return "unknown";
  if (estimate.totalUsd === 0) return "$0";
  if (estimate.totalUsd >= 100) return `$${estimate.totalUsd.toFixed(0)}`;
  if (estimate.totalUsd >= 1) return `$${estimate.totalUsd.toFixed(2)}`;
  return `$${estimate.totalUsd.toPrecision(3)}`;
}
