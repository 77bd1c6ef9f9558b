import { createLmFirstAdapter } from "../../adapter/lm-first-adapter.js";
import type { Adapter } from "../../spec/adapter.js";
import type { Logger } from "../../spec/logger.js";
import { createConcurrencyLimit } from "../../util/concurrency-limit.js";
import type { ServeMetrics } from "../serve-metrics.js";
import { createOnlineContext, type OnlineContext } from "./audit-input.js";
import { maxAuditsInFlight, type OnlineServing } from "./online-serving.js";

/** What online mode needs of the server: its models, metrics, logger, shutdown, and the hot swap. */
export interface OnlineModelsDependencies {
  online: OnlineServing | undefined;
  names: readonly string[];
  metrics: ServeMetrics;
  logger: Logger;
  shutdown: AbortSignal | undefined;
  /** Serves `adapter` as the model `name` from now on (the hot-reload path). */
  replace(name: string, adapter: Adapter): void;
}

/** Hands each served adapter's prediction service its online context. */
export interface OnlineModels {
  /** The online context of `adapter` served as `name` (undefined: online mode is off). */
  contextFor(name: string, adapter: Adapter): OnlineContext | undefined;
}

/** One model's online state: the context of the adapter it serves, and the LM-first adapter of a drop. */
interface ModelState {
  context: OnlineContext | undefined;
  lmFirst: Adapter | undefined;
}

/**
 * Online mode over a server's models: one cap on audit calls for all of them, a fresh agreement
 * monitor for every adapter swapped in, the gauges of `/metrics`, and the reaction to a drop: said
 * once (`agreement-drop` on the logger, i.e. stderr for the CLI) and the model's adapter served
 * LM-first (every input to the LLM, its SSM answering only where the LLM fails) until another
 * adapter replaces it (the next refresh recalibrates).
 */
export function createOnlineModels(dependencies: OnlineModelsDependencies): OnlineModels {
  const { online } = dependencies;
  if (online === undefined) return { contextFor: () => undefined };
  const auditLimit = createConcurrencyLimit(maxAuditsInFlight);
  const states = new Map<string, ModelState>(
    dependencies.names.map((name) => [name, { context: undefined, lmFirst: undefined }]),
  );
  for (const name of dependencies.names) addOnlineGauges(dependencies.metrics, name, () => states.get(name)!);
  return {
    contextFor(name, adapter) {
      const state = states.get(name)!;
      const previous = state.context;
      const raised = adapter === state.lmFirst;
      if (!raised) state.lmFirst = undefined;
      const onDrop = () => {
        const monitor = state.context?.monitor;
        dependencies.logger.warn("agreement-drop", {
          model: name,
          adapterId: adapter.id,
          measured: monitor?.measured,
          estimate: monitor?.estimate,
          audited: (monitor?.agreed ?? 0) + (monitor?.disagreed ?? 0),
          action: "every input goes to the LLM until the adapter is replaced",
        });
        state.lmFirst = createLmFirstAdapter({
          task: adapter.task,
          largeModel: online.largeModelFor(name),
          fallback: adapter,
        });
        dependencies.replace(name, state.lmFirst);
      };
      const context = createOnlineContext(online, name, adapter, {
        auditLimit,
        onDrop,
        shutdown: dependencies.shutdown,
      });
      // The LM-first adapter of a drop keeps the counts that raised it in the gauges.
      state.context = raised && previous !== undefined ? { ...context, monitor: previous.monitor } : context;
      return state.context;
    },
  };
}

/** The gauges of one model's audits: measured agreement, counts, the adapter's estimate, the drop. */
function addOnlineGauges(metrics: ServeMetrics, name: string, state: () => ModelState): void {
  const label = `adapter=${JSON.stringify(name)}`;
  const monitor = () => state().context?.monitor;
  metrics.addGauge(
    "easy_adapt_audit_agreement",
    "Share of the audited inputs (answered by the SSM, also asked of the LLM) where both agreed, for the adapter served now (NaN before the first audit).",
    () => monitor()?.measured ?? Number.NaN,
    label,
  );
  const help = "Audited inputs of the adapter served now, by outcome (agree: the SSM's label was the LLM's).";
  metrics.addGauge("easy_adapt_audit_inputs", help, () => monitor()?.agreed ?? 0, `${label},outcome="agree"`);
  metrics.addGauge(
    "easy_adapt_audit_inputs",
    help,
    () => monitor()?.disagreed ?? 0,
    `${label},outcome="disagree"`,
  );
  metrics.addGauge(
    "easy_adapt_agreement_estimate",
    "The adapter's own estimate of its agreement with the LLM on the inputs its SSM answers (NaN: none).",
    () => monitor()?.estimate ?? Number.NaN,
    label,
  );
  metrics.addGauge(
    "easy_adapt_agreement_dropped",
    "1 while audits showed the agreement below the adapter's estimate (one-sided test): every input then goes to the LLM.",
    () => (state().lmFirst === undefined ? 0 : 1),
    label,
  );
  metrics.addGauge(
    "easy_adapt_audits_skipped",
    "Inputs sampled for an audit but not audited: too many audits were waiting.",
    () => state().context?.skipped ?? 0,
    label,
  );
}
