import { createHash } from "node:crypto";
import { createRunningShareBudget } from "../adapter/lm-share-budget.js";
import type { AdaptedPrediction, Adapter, RouteDecision } from "../spec/adapter.js";
import type { Logger } from "../spec/logger.js";
import type { ConcurrencyLimit } from "../util/concurrency-limit.js";
import type { DecisionLog, DecisionRecord } from "./decision-log.js";
import type { ServeClock } from "./serve-clock.js";
import type { ServeMetrics } from "./serve-metrics.js";
import { isUpstreamAuthenticationError, upstreamAuthenticationError } from "./upstream-failure.js";

export type PredictionEndpoint = DecisionRecord["endpoint"];

/**
 * Answers inputs with the adapter: prepares all the inputs of a request at once where the adapter
 * needs it (`adapter.prepare`, a sentence encoder), decides every input locally first, answers the SSM-routed ones
 * at once and calls the LM (through `adapter.predict`, under the concurrency cap) only for the
 * others, within the adapter's LM-share cap counted over everything the server answers (inputs in
 * arrival order: once the cap is spent, the SSM answers until the share falls back under it).
 * Records every answer in the metrics and the decision log. Throws a 502
 * `ServeRequestError` when the upstream LLM refuses the credentials.
 */
export interface PredictionService {
  classify(
    text: string,
    endpoint: PredictionEndpoint,
    abortSignal?: () => AbortSignal,
  ): Promise<AdaptedPrediction>;
  classifyBatch(
    texts: readonly string[],
    endpoint: PredictionEndpoint,
    abortSignal?: () => AbortSignal,
  ): Promise<AdaptedPrediction[]>;
}

export interface PredictionServiceDependencies {
  adapter: Adapter;
  lmLimit: ConcurrencyLimit;
  metrics: ServeMetrics;
  decisionLog: DecisionLog;
  clock: ServeClock;
  logger: Logger;
}

export function createPredictionService(dependencies: PredictionServiceDependencies): PredictionService {
  const { adapter, lmLimit, metrics, decisionLog, clock, logger } = dependencies;

  function record(
    text: string,
    endpoint: PredictionEndpoint,
    decision: RouteDecision,
    prediction: AdaptedPrediction,
    startedAt: number,
    shareCapped: boolean,
  ): void {
    const finishedAt = clock.now();
    const latencyMs = finishedAt - startedAt;
    metrics.recordPrediction(prediction.route, latencyMs / 1000);
    // Built when the log is written, not on the request's path: the hash and the date cost a request
    // that just woke up ~0.1 ms.
    decisionLog.append(() => {
      const entry: DecisionRecord = {
        time: new Date(finishedAt).toISOString(),
        endpoint,
        inputSha256: createHash("sha256").update(text, "utf8").digest("hex"),
        route: prediction.route,
        label: prediction.label,
        confidence: prediction.confidence,
        ssmLabel: decision.ssmLabel,
        ssmConfidence: decision.ssmConfidence,
        latencyMs: Math.round(latencyMs * 1000) / 1000,
      };
      if (prediction.lmRaw !== undefined) entry.lmAnswer = prediction.lmRaw;
      if (prediction.fallbackReason !== undefined) entry.fallbackReason = prediction.fallbackReason;
      if (shareCapped) entry.shareCapped = true;
      return entry;
    });
  }

  // The adapter's --max-lm-share cap, held over everything this server answers (src/adapt/lm-share-budget.ts).
  const shareBudget = createRunningShareBudget(adapter.maxLmShare);

  /** Whether an input goes to the LM: where the router sends it, while the LM-share cap allows. */
  function admitToLm(decision: RouteDecision): boolean {
    const admitted = shareBudget.admit(decision.useLm);
    if (decision.useLm && !admitted) metrics.recordShareCapDecline();
    return admitted;
  }

  function ssmAnswer(decision: RouteDecision): AdaptedPrediction {
    return { label: decision.ssmLabel, route: "ssm", confidence: decision.ssmConfidence };
  }

  async function callLm(
    text: string,
    decision: RouteDecision,
    abortSignal?: () => AbortSignal,
  ): Promise<AdaptedPrediction> {
    return lmLimit.run(async () => {
      const startedAt = clock.now();
      const signal = abortSignal?.();
      if (isAborted(signal)) {
        // The client left while this input waited for a call slot: no LM call for nobody.
        metrics.recordLmCall("client-aborted", 0);
        return {
          label: decision.ssmLabel,
          route: "fallback",
          confidence: decision.ssmConfidence,
          fallbackReason: "lm-error",
        };
      }
      try {
        const prediction = await adapter.predict(text, signal === undefined ? undefined : { signal });
        metrics.recordLmCall(
          prediction.route === "fallback" ? (prediction.fallbackReason ?? "lm-error") : "ok",
          (clock.now() - startedAt) / 1000,
        );
        return prediction;
      } catch (error) {
        if (isUpstreamAuthenticationError(error)) {
          metrics.recordLmCall("auth", (clock.now() - startedAt) / 1000);
          throw upstreamAuthenticationError(error);
        }
        // The adapter turns LM failures into fallbacks itself and rethrows only a caller's abort (the
        // client went away); anything that still escapes is answered the same way, not failed.
        const clientAborted = isAborted(signal);
        metrics.recordLmCall(clientAborted ? "client-aborted" : "lm-error", (clock.now() - startedAt) / 1000);
        if (!clientAborted) {
          logger.warn("lm-call-failed", { error: error instanceof Error ? error.message : String(error) });
        }
        return {
          label: decision.ssmLabel,
          route: "fallback",
          confidence: decision.ssmConfidence,
          fallbackReason: "lm-error",
        };
      }
    });
  }

  const prepare = adapter.prepare?.bind(adapter);

  async function classify(
    text: string,
    endpoint: PredictionEndpoint,
    abortSignal?: () => AbortSignal,
  ): Promise<AdaptedPrediction> {
    const startedAt = clock.now();
    const decision = adapter.decide(text);
    const toLm = admitToLm(decision);
    const prediction = toLm ? await callLm(text, decision, abortSignal) : ssmAnswer(decision);
    record(text, endpoint, decision, prediction, startedAt, decision.useLm && !toLm);
    return prediction;
  }

  async function classifyBatch(
    texts: readonly string[],
    endpoint: PredictionEndpoint,
    abortSignal?: () => AbortSignal,
  ): Promise<AdaptedPrediction[]> {
    const startedAt = clock.now();
    const decisions = texts.map((text) => adapter.decide(text));
    const predictions: AdaptedPrediction[] = new Array(texts.length);
    const lmCalls: Promise<void>[] = [];
    for (let index = 0; index < texts.length; index += 1) {
      const decision = decisions[index]!;
      const text = texts[index]!;
      if (!admitToLm(decision)) {
        const prediction = ssmAnswer(decision);
        predictions[index] = prediction;
        record(text, endpoint, decision, prediction, startedAt, decision.useLm);
      } else {
        lmCalls.push(
          callLm(text, decision, abortSignal).then((prediction) => {
            predictions[index] = prediction;
            record(text, endpoint, decision, prediction, startedAt, false);
          }),
        );
      }
    }
    await Promise.all(lmCalls);
    return predictions;
  }

  // Decided once here, not per request: adapters without `prepare` pay nothing for it.
  if (prepare === undefined) return { classify, classifyBatch };
  return {
    async classify(text, endpoint, abortSignal) {
      await prepare([text], preparationOptions(abortSignal));
      return classify(text, endpoint, abortSignal);
    },
    async classifyBatch(texts, endpoint, abortSignal) {
      await prepare(texts, preparationOptions(abortSignal));
      return classifyBatch(texts, endpoint, abortSignal);
    },
  };
}

/** The client-abort signal for `prepare`, when the caller offers one. */
function preparationOptions(abortSignal: (() => AbortSignal) | undefined): { signal?: AbortSignal } {
  return abortSignal === undefined ? {} : { signal: abortSignal() };
}

/** Read through a call so that TypeScript does not narrow `aborted`, which changes under our feet. */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
