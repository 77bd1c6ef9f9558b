import { chooseDefaultPoint } from "../../src/fit/operating-point.js";
import { createSeededRandom, shuffleInPlace } from "../../src/util/seeded-random.js";
import { allRows, applyThreshold, curveOf } from "./outcomes.js";
import { capRules, caps, studiedRules } from "./rules.js";
import type { Scenario } from "./scenarios.js";
import type { StudyOptions } from "./study-options.js";

/** One rule on one scenario at one selection share, over the random splits. */
export interface RuleResult {
  scenario: string;
  rule: string;
  selectionShare: number;
  splits: number;
  meanGain: number;
  belowHalfPoint: number;
  meanLmShare: number;
  /** The rule's pick on all the probed rows: LM share and estimated gain over the LM. */
  fullShare: number;
  fullGain: number;
}

/** One reading of `--max-lm-share` at one cap on one scenario at one selection share. */
export interface CapResult {
  scenario: string;
  cap: number;
  rule: string;
  selectionShare: number;
  meanGain: number;
  belowHalfPoint: number;
  meanLmShare: number;
}

/** Sums over the splits: gain over the LM, splits more than 0.5 points below it, LM share. */
interface SplitTotals {
  gain: number;
  below: number;
  share: number;
}

/** Every rule on one scenario: `splitCount` random splits, each rule choosing on the selection part. */
export function studyScenario(
  scenario: Scenario,
  scenarioIndex: number,
  selectionShare: number,
  options: Pick<StudyOptions, "seed" | "splitCount">,
): RuleResult[] {
  const { seed, splitCount } = options;
  const random = createSeededRandom(seed * 7919 + Math.round(selectionShare * 1000) * 31 + scenarioIndex);
  const count = scenario.outcomes.scores.length;
  const order = Int32Array.from({ length: count }, (_, index) => index);
  const totals = studiedRules.map(() => ({ gain: 0, below: 0, share: 0 }));
  for (let split = 0; split < splitCount; split += 1) {
    shuffleInPlace(order, random);
    const selectionCount = Math.floor(count * selectionShare);
    const selection = Array.from(order.subarray(0, selectionCount));
    const evaluation = Array.from(order.subarray(selectionCount));
    const curve = curveOf(scenario.outcomes, selection);
    studiedRules.forEach((named, index) => {
      const point = chooseDefaultPoint(curve, named.rule);
      const measured = applyThreshold(scenario.outcomes, evaluation, point.threshold);
      addSplit(totals[index], measured);
    });
  }
  const fullCurve = curveOf(scenario.outcomes, allRows(scenario.outcomes));
  return studiedRules.map((named, index) => {
    const total = totals[index] ?? { gain: 0, below: 0, share: 0 };
    const full = chooseDefaultPoint(fullCurve, named.rule);
    return {
      scenario: scenario.name,
      rule: named.name,
      selectionShare,
      splits: splitCount,
      meanGain: total.gain / splitCount,
      belowHalfPoint: total.below / splitCount,
      meanLmShare: total.share / splitCount,
      fullShare: full.lmShare,
      fullGain: full.gainOverLm,
    };
  });
}

/** Both readings of `--max-lm-share` at every cap on one scenario, over the same kind of random splits. */
export function studyCaps(
  scenario: Scenario,
  scenarioIndex: number,
  selectionShare: number,
  options: Pick<StudyOptions, "seed" | "splitCount">,
): CapResult[] {
  const { seed, splitCount } = options;
  const random = createSeededRandom(seed * 104_729 + Math.round(selectionShare * 1000) * 37 + scenarioIndex);
  const count = scenario.outcomes.scores.length;
  const order = Int32Array.from({ length: count }, (_, index) => index);
  const totals = caps.map(() => capRules.map(() => ({ gain: 0, below: 0, share: 0 })));
  for (let split = 0; split < splitCount; split += 1) {
    shuffleInPlace(order, random);
    const selectionCount = Math.floor(count * selectionShare);
    const curve = curveOf(scenario.outcomes, Array.from(order.subarray(0, selectionCount)));
    const evaluation = Array.from(order.subarray(selectionCount));
    caps.forEach((cap, capIndex) => {
      capRules.forEach((capRule, ruleIndex) => {
        const measured = applyThreshold(scenario.outcomes, evaluation, capRule.choose(curve, cap).threshold);
        addSplit(totals[capIndex]?.[ruleIndex], measured);
      });
    });
  }
  return caps.flatMap((cap, capIndex) =>
    capRules.map((capRule, ruleIndex) => {
      const total = totals[capIndex]?.[ruleIndex] ?? { gain: 0, below: 0, share: 0 };
      return {
        scenario: scenario.name,
        cap,
        rule: capRule.name,
        selectionShare,
        meanGain: total.gain / splitCount,
        belowHalfPoint: total.below / splitCount,
        meanLmShare: total.share / splitCount,
      };
    }),
  );
}

/** Adds one split's measure to the totals (a gain below −0.5 points counts as below). */
function addSplit(total: SplitTotals | undefined, measured: { gain: number; lmShare: number }): void {
  if (total === undefined) return;
  total.gain += measured.gain;
  total.share += measured.lmShare;
  if (measured.gain < -0.005 - 1e-12) total.below += 1;
}
