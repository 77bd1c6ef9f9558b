import type { AdaptedPrediction } from "../../spec/adapter.js";
import { fallbackReasonField } from "./chat-completion-response.js";

/** The body of a `/v1/classify` answer and the value of its route header. */
export interface ClassifyResponse {
  /** `{"results":[{"label","route","confidence","fallback_reason"?}, ...]}`, one result per input, in order. */
  body: string;
  /** The distinct routes of the batch, comma-separated in the order ssm, lm, fallback. */
  routes: string;
}

/**
 * Serialises a batch's answers (a non-finite confidence is written as 0; a fallback with its
 * reason) and collects their routes.
 */
export function classifyResponse(answers: readonly AdaptedPrediction[]): ClassifyResponse {
  let body = '{"results":[';
  let routes = 0;
  for (let index = 0; index < answers.length; index += 1) {
    const answer = answers[index]!;
    routes |= answer.route === "ssm" ? 1 : answer.route === "lm" ? 2 : 4;
    body += `${index === 0 ? "" : ","}{"label":${JSON.stringify(answer.label)},"route":"${answer.route}","confidence":${Number.isFinite(answer.confidence) ? answer.confidence : 0}${fallbackReasonField(answer)}}`;
  }
  body += "]}";
  return { body, routes: batchRouteHeader(routes) };
}

/** The distinct routes of a batch, comma-separated in the order ssm, lm, fallback. */
function batchRouteHeader(routes: number): string {
  const names: string[] = [];
  if (routes & 1) names.push("ssm");
  if (routes & 2) names.push("lm");
  if (routes & 4) names.push("fallback");
  return names.join(",");
}
