import type { TokenUsage } from "./large-model.js";
import type { Task } from "./task.js";

/** Where an answer came from: the small model, the large model, or the small model because the LM failed. */
export type Route = "ssm" | "lm" | "fallback";

/** Why the SSM answered an input the router sent to the LM. */
export type FallbackReason =
  | "lm-timeout"
  | "lm-error"
  | "lm-unparseable"
  | "no-lm"
  | "request-cap"
  | "deadline"
  | "circuit-open";

/** An adapter's answer to one input: the label, where it came from, and how sure it is. */
export interface AdaptedPrediction {
  label: string;
  route: Route;
  /** The estimated probability that `label` is right. */
  confidence: number;
  /** Set when the LM was called: its raw answer (also when off the label set). */
  lmRaw?: string;
  /**
   * Set with `lmRaw`: the tokens the LM call used, as the provider counted them (zero when the
   * answer came from the answer cache: nothing was spent).
   */
  lmUsage?: TokenUsage;
  /**
   * Set when route is "fallback": why the LM's answer was not used. `no-lm`: the adapter was loaded
   * without an LM, so nothing was asked; `request-cap`: serve's cap on the LM calls of one request
   * was spent, no call was made; `deadline`: the request's deadline passed first (serve's
   * `--request-timeout-ms`); `circuit-open`: the circuit breaker on the upstream was open, so no
   * call was made.
   */
  fallbackReason?: FallbackReason;
  /** Set when the LM call failed, timed out or was refused by the circuit breaker: the error's message. */
  lmError?: string;
}

/** The router's decision for one input before any LM call: cheap, synchronous, local. */
export interface RouteDecision {
  ssmLabel: string;
  /** The SSM's (calibrated) probability for `ssmLabel`. */
  ssmConfidence: number;
  /** True when the router expects the LM's answer to be worth its cost for this input. */
  useLm: boolean;
}

/**
 * Contract v1 of a loaded adapter: a task, its small model(s), a router and an operating point.
 * `predict` calls the LM only when routed there; when the LM times out, fails after its retries
 * or answers off the label set, or there is no LM, it answers from the SSM with route "fallback". An LM
 * authentication failure is not hidden: it is thrown.
 */
export interface Adapter {
  readonly task: Task;
  /**
   * The adapter's id, on adapters loaded from a folder: a hash of its manifest (16 hex digits), so
   * two folders with the same files have the same id and any rebuilt adapter a new one.
   */
  readonly id?: string | undefined;
  /** The LM id the adapter was calibrated against (e.g. "openai-compatible:gpt-4"). */
  readonly lmId: string;
  /**
   * Present when the small model needs an asynchronous step per text (a sentence encoder): `decide`
   * may only be asked about texts prepared here (a bounded recent set is kept); `predict` prepares
   * its text itself. Adapters without it decide any text at once.
   */
  prepare?(texts: readonly string[], options?: { signal?: AbortSignal }): Promise<void>;
  /**
   * The cap on the share of inputs sent to the LM, when the operating point was chosen with
   * `--max-lm-share`: `predictBatch` holds it on every batch; `decide` and `predict` see one input
   * at a time and apply the threshold alone (serve keeps a running budget over its inputs instead).
   */
  readonly maxLmShare: number | undefined;
  /** The router's decision for one input, by the operating point's threshold alone (no budget applied). */
  decide(text: string): RouteDecision;
  /** Answers one text: from the small model, or from the LM where the router sends it (see above for failures). */
  predict(text: string, options?: { signal?: AbortSignal }): Promise<AdaptedPrediction>;
  /**
   * Answers several texts, in order, as `predict` does each, but within the LM-share cap: at most
   * ⌊maxLmShare × texts⌋ of them go to the LM (those the router wants there most; so one text never
   * does under a cap below 1). LM calls run `concurrency` at a time (default 8); the first call that
   * throws stops the others from starting.
   */
  predictBatch(
    texts: readonly string[],
    options?: { signal?: AbortSignal; concurrency?: number },
  ): Promise<AdaptedPrediction[]>;
}
