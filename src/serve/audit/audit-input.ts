import { createClassificationPrompter } from "../../large-models/classification-prompt.js";
import { createLabelParser, type LabelParser } from "../../large-models/parse-label.js";
import type { Adapter, RouteDecision } from "../../spec/adapter.js";
import type { CompletionRequest, LargeModel } from "../../spec/large-model.js";
import type { ConcurrencyLimit } from "../../util/concurrency-limit.js";
import { type AgreementMonitor, createAgreementMonitor } from "./agreement-monitor.js";
import { agreementEstimateOf, maxAuditsWaiting, type OnlineServing } from "./online-serving.js";

/** Online mode as one served adapter's prediction service sees it: its audits, its monitor, the learner's ear. */
export interface OnlineContext {
  readonly model: string;
  readonly auditShare: number;
  readonly random: () => number;
  readonly monitor: AgreementMonitor;
  readonly largeModel: LargeModel | undefined;
  readonly prompter: (text: string) => CompletionRequest;
  readonly parse: LabelParser;
  /** The server's cap on audit calls (shared by its models, apart from the request path's). */
  readonly auditLimit: ConcurrencyLimit;
  readonly onLmAnswer: OnlineServing["onLmAnswer"];
  /** Called once, when this adapter's audits raise a drop. */
  readonly onDrop: () => void;
  /** Aborted when the server shuts down: audits in flight stop. */
  readonly shutdown: AbortSignal | undefined;
  /** Audits skipped because too many were waiting. */
  skipped: number;
}

/** The online context of `adapter` served as `model`, with a fresh monitor of its agreement. */
export function createOnlineContext(
  online: OnlineServing,
  model: string,
  adapter: Adapter,
  shared: { auditLimit: ConcurrencyLimit; onDrop: () => void; shutdown: AbortSignal | undefined },
): OnlineContext {
  const estimate = (online.estimateOf ?? agreementEstimateOf)(adapter);
  return {
    model,
    auditShare: online.auditShare,
    random: online.random ?? Math.random,
    monitor: createAgreementMonitor(estimate),
    largeModel: online.largeModelFor(model),
    prompter: createClassificationPrompter(adapter.task),
    parse: createLabelParser(adapter.task.labels),
    auditLimit: shared.auditLimit,
    onLmAnswer: online.onLmAnswer,
    onDrop: shared.onDrop,
    shutdown: shared.shutdown,
    skipped: 0,
  };
}

/** Passes the LLM's raw answer to an input, parsed to a label, to the learner (an answer off the label set is not one). */
export function hearLmAnswer(online: OnlineContext, text: string, lmRaw: string, audited: boolean): void {
  if (online.onLmAnswer === undefined) return;
  const parsed = online.parse(lmRaw);
  if (parsed.success) online.onLmAnswer({ model: online.model, text, label: parsed.label, audited });
}

/**
 * Samples an input the SSM answered (share `auditShare`) and, off the response path, asks the LLM
 * about it: the answer is compared with the SSM's label (the monitor counts it, and may raise the
 * drop) and passed to the learner. Never throws; a failed audit call is not counted.
 */
export function auditInBackground(online: OnlineContext, text: string, decision: RouteDecision): void {
  const { largeModel } = online;
  if (largeModel === undefined || online.auditShare <= 0 || online.shutdown?.aborted === true) return;
  if (online.random() >= online.auditShare) return;
  if (online.auditLimit.waiting >= maxAuditsWaiting) {
    online.skipped += 1;
    return;
  }
  const signal = online.shutdown;
  const ask = () => largeModel.complete(online.prompter(text), signal === undefined ? {} : { signal });
  online.auditLimit.run(ask, signal).then(
    (completion) => {
      const parsed = online.parse(completion.text);
      if (!parsed.success) return;
      if (online.monitor.record(parsed.label === decision.ssmLabel)) online.onDrop();
      online.onLmAnswer?.({ model: online.model, text, label: parsed.label, audited: true });
    },
    () => {
      // A failed or stopped audit says nothing about agreement.
    },
  );
}
