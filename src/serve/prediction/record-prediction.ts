import { createHash } from "node:crypto";
import type { RouteDecision } from "../../spec/adapter.js";
import { hearLmAnswer } from "../audit/audit-input.js";
import type { DecisionRecord } from "../decision-log.js";
import type { PredictionContext, PredictionEndpoint, ServedPrediction } from "./prediction-context.js";

/** One answered input, as recorded. */
export interface AnsweredInput {
  text: string;
  endpoint: PredictionEndpoint;
  decision: RouteDecision;
  prediction: ServedPrediction;
  /** When the work on this input began: its routing decision (the clock's milliseconds). */
  startedAt: number;
  /** How long it waited for an LM call slot (milliseconds): not counted in its latency. */
  waitedMs?: number;
  /** The router sent the input to the LM but the LM-share cap was spent: the SSM answered. */
  shareCapped: boolean;
}

/**
 * Counts an answer and its latency in the metrics and appends its line to the decision log. The
 * latency is the input's own: from its decision to its answer, less its wait for an LM call slot.
 */
export function recordPrediction(
  {
    metrics,
    decisionLog,
    clock,
    adapterName,
    adapter,
    logInputs,
    online,
  }: Pick<
    PredictionContext,
    "metrics" | "decisionLog" | "clock" | "adapterName" | "adapter" | "logInputs" | "online"
  >,
  answered: AnsweredInput,
): void {
  const finishedAt = clock.now();
  const latencyMs = finishedAt - answered.startedAt - (answered.waitedMs ?? 0);
  metrics.recordPrediction(answered.prediction.route, latencyMs / 1000, answered.prediction.fallbackReason);
  // Built when the log is written, not on the request's path: the hash and the date cost a request
  // that just woke up ~0.1 ms.
  const source: RecordSource = { name: adapterName, id: adapter.id, task: adapter.task.name, logInputs };
  decisionLog.append(() => decisionRecord(source, answered, finishedAt, latencyMs));
  const lmRaw = answered.prediction.lmRaw;
  if (online !== undefined && lmRaw !== undefined) hearLmAnswer(online, answered.text, lmRaw, false);
}

/** Which adapter answered (its served name, id and task), and whether the input text is logged. */
interface RecordSource {
  name: string | undefined;
  id: string | undefined;
  task: string;
  logInputs: boolean | undefined;
}

/** The decision-log line of an answered input. */
function decisionRecord(
  source: RecordSource,
  { text, endpoint, decision, prediction, shareCapped }: AnsweredInput,
  finishedAt: number,
  latencyMs: number,
): DecisionRecord {
  const entry: DecisionRecord = {
    time: new Date(finishedAt).toISOString(),
    endpoint,
    ...(source.name === undefined ? {} : { adapter: source.name }),
    ...(source.id === undefined ? {} : { adapterId: source.id }),
    task: source.task,
    inputSha256: createHash("sha256").update(text, "utf8").digest("hex"),
    ...(source.logInputs === true ? { input: text } : {}),
    route: prediction.route,
    label: prediction.label,
    confidence: prediction.confidence,
    ssmLabel: decision.ssmLabel,
    ssmConfidence: decision.ssmConfidence,
    latencyMs: Math.round(latencyMs * 1000) / 1000,
  };
  if (prediction.lmRaw !== undefined) entry.lmAnswer = prediction.lmRaw;
  if (prediction.fallbackReason !== undefined) entry.fallbackReason = prediction.fallbackReason;
  if (prediction.cutOff !== undefined) entry.cutOff = prediction.cutOff;
  if (shareCapped) entry.shareCapped = true;
  return entry;
}
