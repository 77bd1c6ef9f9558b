import { createClassificationPrompter } from "../large-models/classification-prompt.js";
import {
  type ConsecutiveFailures,
  createConsecutiveFailures,
  describeFailure,
  failingLmMessage,
} from "../large-models/consecutive-failures.js";
import { AnswerCacheError } from "../large-models/errors/answer-cache-error.js";
import { BudgetExceededError } from "../large-models/errors/budget-exceeded-error.js";
import { LargeModelAuthenticationError } from "../large-models/errors/large-model-authentication-error.js";
import { createLabelParser, type LabelParser } from "../large-models/parse-label.js";
import type { CompletionRequest, LargeModel } from "../spec/large-model.js";
import type { ProgressListener } from "../spec/logger.js";
import type { Task } from "../spec/task.js";
import { EvaluationStoppedError } from "./evaluation-stopped-error.js";

/** The LM's answer to every evaluated row, with its time, its tokens and what went wrong. */
export interface LmRowAnswers {
  /** undefined where the LM's answer was unusable (off the label set, or the call failed). */
  lmLabels: (string | undefined)[];
  /** Per-row LM call time (cache hits included), in milliseconds. */
  lmMs: Float64Array;
  inputTokens: Float64Array;
  outputTokens: Float64Array;
  /** Rows whose LM answer is unusable: off the label set, or the call failed (`failedLm` of them). */
  unusableLm: number;
  /** Rows whose LM call failed after its retries (part of `unusableLm`). */
  failedLm: number;
  /** The error of the last call that failed, when one did. */
  lastLmFailure: string | undefined;
}

/** How the LM is asked about the rows. */
export interface AskLmOptions {
  concurrency?: number;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  maxConsecutiveFailures?: number;
}

/**
 * Asks the LM about every row, `concurrency` calls at a time (default 8). A call that fails on its
 * own counts as an unusable answer; an authentication failure, a broken answer cache
 * (AnswerCacheError) and an abort are thrown. Throws
 * EvaluationStoppedError when the budget runs out or `maxConsecutiveFailures` calls in a row fail.
 */
export async function askLmAboutRows(
  task: Task,
  rows: readonly { text: string }[],
  largeModel: LargeModel,
  options: AskLmOptions,
): Promise<LmRowAnswers> {
  const count = rows.length;
  const pass: LmPass = {
    rows,
    largeModel,
    options,
    prompter: createClassificationPrompter(task),
    parser: createLabelParser(task.labels),
    failures: createConsecutiveFailures(options.maxConsecutiveFailures),
    answers: {
      lmLabels: new Array<string | undefined>(count).fill(undefined),
      lmMs: new Float64Array(count),
      inputTokens: new Float64Array(count),
      outputTokens: new Float64Array(count),
      unusableLm: 0,
      failedLm: 0,
      lastLmFailure: undefined,
    },
    next: 0,
    done: 0,
    stop: undefined,
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 8) }, () => askNextRows(pass)));
  if (pass.stop !== undefined)
    throw new EvaluationStoppedError(pass.stop.why, pass.done, count, pass.stop.cause);
  return pass.answers;
}

/** The state the workers of one LM pass share. */
interface LmPass {
  rows: readonly { text: string }[];
  largeModel: LargeModel;
  options: AskLmOptions;
  prompter: (text: string) => CompletionRequest;
  parser: LabelParser;
  failures: ConsecutiveFailures;
  answers: LmRowAnswers;
  /** The next row to ask about. */
  next: number;
  /** Rows asked about so far. */
  done: number;
  /** Set when the pass must stop: why, and the error that stopped it. */
  stop: { why: string; cause: unknown } | undefined;
}

/** One worker: asks about the pass's next row until none is left or the pass stops. */
async function askNextRows(pass: LmPass): Promise<void> {
  const { options, answers } = pass;
  const count = pass.rows.length;
  while (pass.next < count && pass.stop === undefined) {
    const row = pass.next;
    pass.next += 1;
    options.signal?.throwIfAborted();
    const started = performance.now();
    try {
      const completion = await pass.largeModel.complete(
        pass.prompter(pass.rows[row]?.text ?? ""),
        options.signal === undefined ? {} : { signal: options.signal },
      );
      pass.failures.succeeded();
      const parsed = pass.parser(completion.text);
      if (parsed.success) answers.lmLabels[row] = parsed.label;
      else answers.unusableLm += 1;
      answers.inputTokens[row] = completion.usage.promptTokens;
      answers.outputTokens[row] = completion.usage.completionTokens;
    } catch (error) {
      // A broken cache file is no LM failure: it is reported as what it is, at once.
      if (error instanceof LargeModelAuthenticationError || error instanceof AnswerCacheError) throw error;
      if (options.signal?.aborted) throw error;
      if (error instanceof BudgetExceededError) {
        pass.stop ??= { why: error.message, cause: error };
        return;
      }
      answers.unusableLm += 1;
      answers.failedLm += 1;
      answers.lastLmFailure = describeFailure(error);
      if (pass.failures.failed()) {
        pass.stop ??= { why: failingLmMessage(pass.failures.limit, answers.lastLmFailure), cause: error };
      }
    }
    answers.lmMs[row] = performance.now() - started;
    pass.done += 1;
    options.onProgress?.({ stage: "ask the LM about the evaluation rows", done: pass.done, total: count });
  }
}
