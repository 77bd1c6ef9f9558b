import type { LoadedAdapter } from "../../adapter/adapter-runtime.js";
import type { Adapter } from "../../spec/adapter.js";
import type { LargeModel } from "../../spec/large-model.js";

/** An LLM answer one input got while serving: a training example for the next refresh. */
export interface ServedLmAnswer {
  /** The model name the input was asked of. */
  model: string;
  text: string;
  /** The LLM's answer, parsed to one of the task's labels. */
  label: string;
  /** True for an audit (an input the SSM answered, also asked of the LLM off the response path). */
  audited: boolean;
}

/** The default share of the inputs the SSM answers that is also asked of the LLM (`--audit-share`). */
export const defaultAuditShare = 0.02;

/** Audit calls in flight at most; further audits wait, up to `maxAuditsWaiting`, then are skipped. */
export const maxAuditsInFlight = 2;

/** Audits waiting for a call slot at most: beyond it a sampled input is not audited (counted as skipped). */
export const maxAuditsWaiting = 64;

/**
 * Online mode's hooks into serve: the audit share of the SSM's answers, and who hears of every
 * LLM answer (the online learner). A drop of the measured agreement below the adapter's estimate
 * (one-sided test, see `createAgreementMonitor`) is said once on the logger and the model then
 * serves its adapter LM-first (every input to the LLM, `createLmFirstAdapter`) until its adapter
 * is replaced (the next refresh, a reload).
 */
export interface OnlineServing {
  /** Share (0..1) of the inputs the SSM answers that is also asked of the LLM; the client gets the SSM's answer. */
  auditShare: number;
  /** Draws the audit sample (default Math.random). */
  random?: (() => number) | undefined;
  /** The LLM a model's audits ask, and its LM-first fallback calls (its adapter's own); none: no audit. */
  largeModelFor(name: string): LargeModel | undefined;
  /** The adapter's estimated agreement with the LLM on the inputs its SSM answers (default `agreementEstimateOf`). */
  estimateOf?: ((adapter: Adapter) => number | undefined) | undefined;
  /** Hears every LLM answer an input got, served or audited, in the order they came. */
  onLmAnswer?: ((answer: ServedLmAnswer) => void) | undefined;
}

/**
 * The agreement with the LLM an adapter promises on the inputs its SSM answers: its estimate where
 * the operating point records one (`operatingPoint.estimatedAgreement`, gold-free adapters), else
 * 1 − the disagreement its criterion accepted (`maxDisagreement`); undefined for adapters that say
 * neither (their audits are measured, never tested).
 */
export function agreementEstimateOf(adapter: Adapter): number | undefined {
  const point = (adapter as Partial<LoadedAdapter>).internals?.description.operatingPoint as
    | (Record<string, unknown> & { criterion?: Record<string, unknown> })
    | undefined;
  if (point === undefined) return undefined;
  const estimated = point.estimatedAgreement;
  if (typeof estimated === "number" && Number.isFinite(estimated)) return estimated;
  const accepted = point.criterion?.maxDisagreement;
  return typeof accepted === "number" && Number.isFinite(accepted) ? 1 - accepted : undefined;
}
