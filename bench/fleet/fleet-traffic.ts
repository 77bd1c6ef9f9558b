import type { Outcome } from "../serve-soak/soak-traffic.js";

/** The load generator of the fleet: chat completions to one URL (HAProxy's, or a replica's). */
export interface FleetLoad {
  /** Requests answered so far (any status) or failed at the network. */
  finished(): number;
  /** Stops sending; resolves with every request's outcome once those in flight are done. */
  stop(): Promise<Outcome[]>;
  /** Resolves with every request's outcome once `nextText` ran out (or `stop()` was called). */
  done: Promise<Outcome[]>;
}

/**
 * Keeps `connections` chat completions in flight to `url`, the n-th about `nextText(n)`, until it
 * returns undefined or `stop()` is called. Each outcome is the status and latency, or the network
 * error (a request that failed is not sent again: the load balancer's retries are what is tested).
 */
export function startFleetLoad(
  url: string,
  model: string,
  nextText: (index: number) => string | undefined,
  connections: number,
): FleetLoad {
  const outcomes: Outcome[] = [];
  let next = 0;
  let stopped = false;
  const loop = async () => {
    for (;;) {
      const text = stopped ? undefined : nextText(next);
      if (text === undefined) return;
      next += 1;
      outcomes.push(await sendChat(url, model, text));
    }
  };
  const done = Promise.all(Array.from({ length: connections }, loop)).then(() => outcomes);
  return {
    finished: () => outcomes.length,
    stop: () => {
      stopped = true;
      return done;
    },
    done,
  };
}

/** One chat completion about `text`, read to its end; what came of it (never throws). */
async function sendChat(url: string, model: string, text: string): Promise<Outcome> {
  const started = performance.now();
  try {
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, messages: [{ role: "user", content: text }] }),
    });
    await response.arrayBuffer();
    return { status: response.status, ms: performance.now() - started };
  } catch (error) {
    return { networkError: error instanceof Error ? error.message : String(error) };
  }
}

/** The requests among `outcomes` that failed: a status other than 200, or no answer at all. */
export function failedCount(outcomes: readonly Outcome[]): number {
  return outcomes.filter((outcome) => !("status" in outcome) || outcome.status !== 200).length;
}
