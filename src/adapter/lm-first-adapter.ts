import { createClassificationPrompter } from "../large-models/classification-prompt.js";
import { CircuitOpenError } from "../large-models/errors/circuit-open-error.js";
import { LargeModelAbortedError } from "../large-models/errors/large-model-aborted-error.js";
import { LargeModelAuthenticationError } from "../large-models/errors/large-model-authentication-error.js";
import { LargeModelTimeoutError } from "../large-models/errors/large-model-timeout-error.js";
import { createLabelParser } from "../large-models/parse-label.js";
import type { AdaptedPrediction, Adapter, FallbackReason, RouteDecision } from "../spec/adapter.js";
import type { LargeModel } from "../spec/large-model.js";
import type { Task } from "../spec/task.js";
import { createConcurrencyLimit } from "../util/concurrency-limit.js";

/** What an LM-first adapter needs: the task, the LLM, and the adapter whose SSM answers where the LLM fails. */
export interface LmFirstAdapterOptions {
  task: Task;
  /** The LLM every input goes to; without one every input falls back ("no-lm"). */
  largeModel: LargeModel | undefined;
  /**
   * The adapter whose SSM answers (route "fallback") where the LLM fails or answers off the label
   * set; without one (no adapter yet) the fallback is the task's first label with confidence 0.
   */
  fallback?: Adapter | undefined;
}

/** An LM-first adapter: the `Adapter` contract, and the adapter it falls back on (whoever opened that one closes it). */
export type LmFirstAdapter = Adapter & { readonly fallback: Adapter | undefined };

/**
 * An adapter that sends every input to the LLM and answers with the LLM's label as it is (no gate):
 * what online mode serves before its first refresh (no small model yet), and what it serves when
 * audits show the SSM agreeing with the LLM less than its adapter promised (until the next
 * refresh). Its id is its fallback's; its LLM answers carry confidence 1 (nothing estimates the
 * LLM's reliability here). An authentication failure, and a caller's abort, are thrown.
 */
export function createLmFirstAdapter(options: LmFirstAdapterOptions): LmFirstAdapter {
  const { task, largeModel, fallback } = options;
  const prompter = createClassificationPrompter(task);
  const parse = createLabelParser(task.labels);
  const decide = (text: string): RouteDecision => {
    const local = fallback?.decide(text);
    return {
      ssmLabel: local?.ssmLabel ?? task.labels[0] ?? "",
      ssmConfidence: local?.ssmConfidence ?? 0,
      useLm: true,
    };
  };
  const fallbackAnswer = (decision: RouteDecision, reason: FallbackReason): AdaptedPrediction => ({
    label: decision.ssmLabel,
    route: "fallback",
    confidence: decision.ssmConfidence,
    fallbackReason: reason,
  });
  const predict = async (text: string, callOptions?: { signal?: AbortSignal }) => {
    await fallback?.prepare?.([text], callOptions);
    const decision = decide(text);
    if (largeModel === undefined) return fallbackAnswer(decision, "no-lm");
    const signal = callOptions?.signal;
    try {
      const completion = await largeModel.complete(prompter(text), signal === undefined ? {} : { signal });
      const lmUsage = completion.cached ? { promptTokens: 0, completionTokens: 0 } : completion.usage;
      const parsed = parse(completion.text);
      if (!parsed.success) {
        return { ...fallbackAnswer(decision, "lm-unparseable"), lmRaw: completion.text, lmUsage };
      }
      return { label: parsed.label, route: "lm", confidence: 1, lmRaw: completion.text, lmUsage } as const;
    } catch (error) {
      if (error instanceof LargeModelAuthenticationError) throw error;
      if (error instanceof LargeModelAbortedError && signal?.aborted === true) throw error;
      if (error instanceof LargeModelTimeoutError) return fallbackAnswer(decision, "lm-timeout");
      return fallbackAnswer(decision, error instanceof CircuitOpenError ? "circuit-open" : "lm-error");
    }
  };
  return {
    task,
    fallback,
    ...(fallback?.id === undefined ? {} : { id: fallback.id }),
    lmId: largeModel?.id ?? fallback?.lmId ?? "none",
    ...(fallback?.prepare === undefined ? {} : { prepare: fallback.prepare.bind(fallback) }),
    maxLmShare: undefined,
    decide,
    predict,
    async predictBatch(texts, batchOptions) {
      const limit = createConcurrencyLimit(batchOptions?.concurrency ?? 8);
      const signalOption = batchOptions?.signal === undefined ? {} : { signal: batchOptions.signal };
      return Promise.all(texts.map((text) => limit.run(() => predict(text, signalOption))));
    },
  };
}
