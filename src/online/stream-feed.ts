import type { StreamRow } from "./stream-dataset.js";
import type { StreamStep } from "./stream-figures.js";

/** What feeding needs to know of the learner: whether a refresh runs, and waiting for it. */
export interface FeedLearner {
  readonly refreshing: boolean;
  idle(): Promise<void>;
}

/** Where and how the stream is fed: the server, its model, the LLM call counter, the progress listener. */
export interface FeedTarget {
  /** The server's base URL (e.g. http://127.0.0.1:1234). */
  url: string;
  model: string;
  /** LLM calls made so far (served and audits). */
  lmCalls(): number;
  learner: FeedLearner;
  onProgress?: ((fed: number, total: number) => void) | undefined;
}

/**
 * Feeds the rows to the server one at a time, in order, each as a `/v1/classify` request over HTTP
 * (the path any client takes). While a refresh runs, the next input waits for it: the stream
 * stands for traffic slow next to a refresh, so that its figures do not depend on how fast this
 * machine trains. Returns, per row, the answer and the LLM calls made while it was answered.
 */
export async function feedStream(target: FeedTarget, rows: readonly StreamRow[]): Promise<StreamStep[]> {
  const steps: StreamStep[] = [];
  for (const [index, row] of rows.entries()) {
    if (target.learner.refreshing) await target.learner.idle();
    const before = target.lmCalls();
    const answer = await classifyOne(target.url, target.model, row.text);
    steps.push({ answer: answer.label, route: answer.route, lmCalls: target.lmCalls() - before });
    target.onProgress?.(index + 1, rows.length);
  }
  return steps;
}

/** Asks the server about one text; throws on anything but a 200 with one result. */
async function classifyOne(
  url: string,
  model: string,
  text: string,
): Promise<{ label: string; route: string }> {
  const response = await fetch(`${url}/v1/classify`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, inputs: [text] }),
  });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`the stream's server answered ${response.status}: ${body}`);
  const parsed = JSON.parse(body) as { results?: { label?: unknown; route?: unknown }[] };
  const result = parsed.results?.[0];
  if (typeof result?.label !== "string" || typeof result.route !== "string") {
    throw new Error(`the stream's server answered without a label: ${body}`);
  }
  return { label: result.label, route: result.route };
}
