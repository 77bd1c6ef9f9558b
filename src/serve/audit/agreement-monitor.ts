/** The significance of the one-sided test that says the SSM agrees with the LLM less than promised. */
export const agreementDropAlpha = 0.001;

/** Audits fewer than this never raise a drop: a handful of answers says little. */
export const minimumAuditsForDrop = 10;

/**
 * The agreement of one served adapter's SSM with the LLM, measured on the audited inputs (inputs the
 * SSM answered that were also asked of the LLM), against the adapter's own estimate.
 */
export interface AgreementMonitor {
  /** The adapter's estimated agreement with the LLM on the inputs its SSM answers (undefined: none to test). */
  readonly estimate: number | undefined;
  readonly agreed: number;
  readonly disagreed: number;
  /** Agreed over audited (NaN before the first audit). */
  readonly measured: number;
  /** True from the audit whose test first rejected the estimate on. */
  readonly dropped: boolean;
  /** Counts one audit; returns true when this audit is the one that raised the drop. */
  record(agrees: boolean): boolean;
}

/**
 * A monitor that raises a drop once the disagreements are too many for the estimate: a one-sided
 * exact binomial test, H0 "disagreement ≤ 1 − estimate", rejected when P(X ≥ disagreed) <
 * `agreementDropAlpha` (0.1%, small because the test is repeated after every audit) after at least
 * `minimumAuditsForDrop` audits.
 */
export function createAgreementMonitor(estimate: number | undefined): AgreementMonitor {
  let agreed = 0;
  let disagreed = 0;
  let dropped = false;
  return {
    estimate,
    get agreed() {
      return agreed;
    },
    get disagreed() {
      return disagreed;
    },
    get measured() {
      const audited = agreed + disagreed;
      return audited === 0 ? Number.NaN : agreed / audited;
    },
    get dropped() {
      return dropped;
    },
    record(agrees) {
      if (agrees) agreed += 1;
      else disagreed += 1;
      if (dropped || estimate === undefined || agreed + disagreed < minimumAuditsForDrop) return false;
      const pValue = binomialUpperTail(agreed + disagreed, disagreed, Math.max(0, 1 - estimate));
      if (pValue >= agreementDropAlpha) return false;
      dropped = true;
      return true;
    },
  };
}

/** P(X ≥ k) for X ~ Binomial(n, p), summed in log space. */
export function binomialUpperTail(n: number, k: number, p: number): number {
  if (k <= 0) return 1;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  const logP = Math.log(p);
  const logQ = Math.log1p(-p);
  let logCoefficient = logChoose(n, k);
  let total = 0;
  for (let x = k; x <= n; x += 1) {
    total += Math.exp(logCoefficient + x * logP + (n - x) * logQ);
    logCoefficient += Math.log(n - x) - Math.log(x + 1);
  }
  return Math.min(1, total);
}

/** log(n choose k). */
function logChoose(n: number, k: number): number {
  let value = 0;
  for (let index = 1; index <= k; index += 1) value += Math.log(n - k + index) - Math.log(index);
  return value;
}
