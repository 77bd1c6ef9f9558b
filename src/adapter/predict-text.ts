import type { AdaptedPrediction } from "../spec/adapter.js";
import { answerWithLm, type LmAnswerContext, ssmAnswer } from "./answer-with-lm.js";
import type { InspectText } from "./inspect-text.js";
import type { PrepareTexts } from "./prediction-small-models.js";

/** What an adapter predicts with: its inspection, text preparation, operating point and LM side. */
export interface PredictionContext {
  inspect: InspectText;
  prepare: PrepareTexts | undefined;
  /** The operating point's threshold on the router score. */
  threshold: number;
  /** The LM-share cap a batch holds (undefined: none). */
  shareCap: number | undefined;
  lm: LmAnswerContext;
}

/**
 * One text, as `Adapter.predict`: prepared if the small model needs it, inspected, and sent to the
 * LM where its router score reaches the threshold (no share cap: one text at a time).
 */
export async function predictText(
  context: PredictionContext,
  text: string,
  options?: { signal?: AbortSignal },
): Promise<AdaptedPrediction> {
  if (context.prepare !== undefined) await context.prepare([text], options);
  const inspected = context.inspect(text);
  if (!(inspected.score >= context.threshold)) return ssmAnswer(context.lm.labels, inspected);
  return answerWithLm(context.lm, text, inspected, options?.signal);
}
