import { CircuitOpenError } from "../large-models/errors/circuit-open-error.js";
import { LargeModelAbortedError } from "../large-models/errors/large-model-aborted-error.js";
import { LargeModelAuthenticationError } from "../large-models/errors/large-model-authentication-error.js";
import { LargeModelTimeoutError } from "../large-models/errors/large-model-timeout-error.js";
import { parseLabel } from "../large-models/parse-label.js";
import type { AdaptedPrediction, FallbackReason } from "../spec/adapter.js";
import type { Completion, CompletionRequest, LargeModel } from "../spec/large-model.js";
import type { CombineAnswer } from "./combine-answer.js";
import type { Inspection } from "./inspect-text.js";

/** What answering with the LM needs: the LM (absent: every routed text falls back), its prompt, the labels and the gate. */
export interface LmAnswerContext {
  largeModel: LargeModel | undefined;
  prompter: (text: string) => CompletionRequest;
  labels: readonly string[];
  combine: CombineAnswer;
}

/** The SSM's answer to an inspected text (route "ssm"). */
export function ssmAnswer(labels: readonly string[], inspected: Inspection): AdaptedPrediction {
  return {
    label: labels[inspected.ssmLabelId] ?? "",
    route: "ssm",
    confidence: inspected.ssmConfidence,
  };
}

/**
 * Asks the LM about a text routed there and gates its answer; the SSM answers (route "fallback")
 * when there is no LM ("no-lm"), the call fails or times out, the circuit breaker refuses it, or the
 * answer is off the label set. An authentication failure, and an abort of `signal`, are thrown.
 */
export async function answerWithLm(
  context: LmAnswerContext,
  text: string,
  inspected: Inspection,
  signal: AbortSignal | undefined,
): Promise<AdaptedPrediction> {
  const { largeModel, labels } = context;
  if (largeModel === undefined) return fallbackAnswer(labels, inspected, "no-lm");
  let completion: Completion;
  try {
    completion = await largeModel.complete(context.prompter(text), signal ? { signal } : {});
  } catch (error) {
    if (error instanceof LargeModelAuthenticationError) throw error;
    if (error instanceof LargeModelAbortedError && signal?.aborted) throw error;
    const lmError = error instanceof Error ? error.message : String(error);
    return { ...fallbackAnswer(labels, inspected, failureReason(error)), lmError };
  }
  const answer = completion.text;
  const lmUsage = completion.cached ? { promptTokens: 0, completionTokens: 0 } : completion.usage;
  const parsed = parseLabel(answer, labels);
  if (!parsed.success) {
    return { ...fallbackAnswer(labels, inspected, "lm-unparseable"), lmRaw: answer, lmUsage };
  }
  const combined = context.combine(inspected.probabilities, parsed.label);
  return {
    label: combined.label,
    route: combined.label === parsed.label ? "lm" : "ssm",
    confidence: combined.confidence,
    lmRaw: answer,
    lmUsage,
  };
}

/** Why a failed LM call fell back: it timed out, the circuit breaker refused it, or it failed. */
function failureReason(error: unknown): FallbackReason {
  if (error instanceof LargeModelTimeoutError) return "lm-timeout";
  return error instanceof CircuitOpenError ? "circuit-open" : "lm-error";
}

/** The SSM's answer where the LM's could not be used, with the reason. */
function fallbackAnswer(
  labels: readonly string[],
  inspected: Inspection,
  reason: FallbackReason,
): AdaptedPrediction {
  return { ...ssmAnswer(labels, inspected), route: "fallback", fallbackReason: reason };
}
