import type { NamedRule } from "./rules.js";
import type { RuleResult } from "./splits.js";
import { maxBelowShare, shareTie } from "./study-options.js";

/** One rule judged over every scenario and selection share. */
export interface Verdict {
  rule: string;
  /** The largest share of splits more than 0.5 points below the LM, over the scenarios. */
  worstBelow: number;
  /** The lowest mean gain over the LM, over the scenarios. */
  lowestMean: number;
  /** The mean LM share over the scenarios and selection shares. */
  pooledShare: number;
  qualifies: boolean;
}

/** The study's criterion, over every scenario and selection share. */
export function verdictOf(named: NamedRule, results: readonly RuleResult[]): Verdict {
  const mine = results.filter((entry) => entry.rule === named.name);
  const worstBelow = Math.max(...mine.map((entry) => entry.belowHalfPoint));
  const lowestMean = Math.min(...mine.map((entry) => entry.meanGain));
  return {
    rule: named.name,
    worstBelow,
    lowestMean,
    pooledShare: average(mine.map((entry) => entry.meanLmShare)),
    qualifies: worstBelow <= maxBelowShare + 1e-12 && lowestMean >= -0.0001,
  };
}

/**
 * The cheapest qualifying rule; rules within `shareTie` of its LM share are a tie (noise), won by
 * the simplest (the earliest listed: fewest changes to the rule). Undefined when none qualifies.
 */
export function chooseRule(verdicts: readonly Verdict[]): Verdict | undefined {
  const qualifying = verdicts.filter((verdict) => verdict.qualifies);
  const cheapest = Math.min(...qualifying.map((verdict) => verdict.pooledShare));
  return qualifying.find((verdict) => verdict.pooledShare <= cheapest + shareTie);
}

function average(values: readonly number[]): number {
  return values.length > 0 ? values.reduce((sum, value) => sum + value, 0) / values.length : 0;
}
