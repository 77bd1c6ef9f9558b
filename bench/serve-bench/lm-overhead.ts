import { loadavg } from "node:os";
import { createClassificationPrompter } from "../../src/large-models/classification-prompt.js";
import type { Task } from "../../src/spec/task.js";
import { readCpuMs } from "./process-usage.js";
import { mean, median, round } from "./statistics.js";

export const jsonHeaders = { "content-type": "application/json" };

/** The latency serve adds to an LM-routed request, against the upstream alone and two do-nothing forwarders. */
export interface LmOverhead {
  upstreamLatencyMs: number;
  samples: number;
  /** Load average (1 min) of the machine when the measurement ended: other work on the cores inflates every hop. */
  loadAverage: number;
  directMedianMs: number;
  servedMedianMs: number;
  directMeanMs: number;
  servedMeanMs: number;
  /** The target's measure: median through serve minus median straight to the upstream. */
  overheadMedianMs: number;
  overheadMeanMs: number;
  /** The same for a do-nothing node:http forwarder (the price of any extra loopback hop here and now). */
  passThroughOverheadMedianMs: number;
  /** The same for a do-nothing Hono forwarder on @hono/node-server (the hop with serve's server library). */
  honoPassThroughOverheadMedianMs: number;
  /** serve's CPU (user + system, from /proc, sampled at 4 ms ticks) per LM-routed request. */
  serverCpuMsPerRequest: number;
  /** Inside serve (its /metrics): the LM call (SSM + connector + network + upstream), mean. */
  lmCallInsideServeMeanMs: number;
  /** Inside serve: the whole request, mean. */
  requestInsideServeMeanMs: number;
  /** Inside serve: the request minus the LM call (routing, parsing, logging), mean. */
  serveOwnWorkMeanMs: number;
  routes: Record<string, number>;
}

/** What the LM-overhead measurement needs: the servers, the texts and the settings. */
export interface LmOverheadSetup {
  serveUrl: string;
  replayUrl: string;
  forwarders: { nodeHttp: string; hono: string };
  servePid: number;
  task: Task;
  /** Test texts the adapter routes to the LM. */
  lmTexts: readonly string[];
  /** Measured rounds per pass. */
  lmSamples: number;
  upstreamLatencyMs: number;
}

type Kind = "direct" | "served" | "proxied" | "hono";

/** A pass of rounds: where each kind of request goes, and how a text becomes each body. */
interface RoundsContext {
  setup: LmOverheadSetup;
  prompter: ReturnType<typeof createClassificationPrompter>;
}

interface ServerTimings {
  lmCalls: number;
  lmCallSeconds: number;
  chatRequests: number;
  chatSeconds: number;
}

/**
 * `lmSamples` rounds of three sequential requests, one of each kind, in a rotating order, after
 * `warmUp` rounds: every path (the bench's fetch, serve's, the upstream's, the forwarders') needs
 * a few hundred calls before V8 has optimised it. Three a round in both passes, so that every
 * process waits as long between its requests (a longer wait leaves it colder).
 */
const warmUp = 150;

/**
 * Sequential requests, one of each kind per round in a rotating order (so that none always runs
 * right after another): the classification prompt straight to the upstream, the same text through
 * serve (which builds that same prompt), and the prompt through the do-nothing node:http forwarder;
 * then a second pass with the do-nothing Hono forwarder in serve's place. Every text
 * was routed to the LM by the adapter (an answer may still come back as route ssm when the gate
 * overrules the LM: the LM was called all the same).
 */
export async function measureLmOverhead(setup: LmOverheadSetup): Promise<LmOverhead> {
  const context: RoundsContext = { setup, prompter: createClassificationPrompter(setup.task) };
  const direct: number[] = [];
  const served: number[] = [];
  const proxied: number[] = [];
  const honoProxied: number[] = [];
  const routes: Record<string, number> = {};
  let cpuBefore = 0;
  let before: ServerTimings | undefined;
  await runRounds(
    context,
    ["direct", "served", "proxied"],
    (kind, ms, route) => {
      if (kind === "direct") direct.push(ms);
      else if (kind === "proxied") proxied.push(ms);
      else {
        served.push(ms);
        routes[route ?? "none"] = (routes[route ?? "none"] ?? 0) + 1;
      }
    },
    async () => {
      before = await scrapeTimings(setup.serveUrl);
      cpuBefore = readCpuMs(setup.servePid);
    },
  );
  const serveCpuMs = readCpuMs(setup.servePid) - cpuBefore;
  const after = await scrapeTimings(setup.serveUrl);
  const lmCallMeanMs =
    (1000 * (after.lmCallSeconds - (before?.lmCallSeconds ?? 0))) /
    Math.max(1, after.lmCalls - (before?.lmCalls ?? 0));
  const requestMeanMs =
    (1000 * (after.chatSeconds - (before?.chatSeconds ?? 0))) /
    Math.max(1, after.chatRequests - (before?.chatRequests ?? 0));
  // Second pass, the same cadence: the Hono forwarder in serve's place, against its own direct requests.
  const honoDirect: number[] = [];
  await runRounds(context, ["direct", "hono", "proxied"], (kind, ms) => {
    if (kind === "direct") honoDirect.push(ms);
    else if (kind === "hono") honoProxied.push(ms);
  });
  return {
    upstreamLatencyMs: setup.upstreamLatencyMs,
    samples: setup.lmSamples,
    loadAverage: round(loadavg()[0] ?? 0),
    directMedianMs: round(median(direct)),
    servedMedianMs: round(median(served)),
    directMeanMs: round(mean(direct)),
    servedMeanMs: round(mean(served)),
    overheadMedianMs: round(median(served) - median(direct)),
    overheadMeanMs: round(mean(served) - mean(direct)),
    passThroughOverheadMedianMs: round(median(proxied) - median(direct)),
    honoPassThroughOverheadMedianMs: round(median(honoProxied) - median(honoDirect)),
    serverCpuMsPerRequest: round(serveCpuMs / setup.lmSamples, 3),
    lmCallInsideServeMeanMs: round(lmCallMeanMs),
    requestInsideServeMeanMs: round(requestMeanMs),
    serveOwnWorkMeanMs: round(requestMeanMs - lmCallMeanMs),
    routes,
  };
}

/** `warmUp` then `lmSamples` rounds of the three kinds; `onMeasuring` runs as the measured rounds start. */
async function runRounds(
  context: RoundsContext,
  kinds: readonly [Kind, Kind, Kind],
  record: (kind: Kind, ms: number, route: string | null) => void,
  onMeasuring?: () => Promise<void>,
): Promise<void> {
  const { setup, prompter } = context;
  for (let index = 0; index < setup.lmSamples + warmUp; index += 1) {
    if (index === warmUp) await onMeasuring?.();
    const text = setup.lmTexts[index % setup.lmTexts.length]!;
    const request = prompter(text);
    const upstreamBody = JSON.stringify({
      model: "gpt4",
      messages: request.messages,
      temperature: request.temperature,
      max_tokens: request.maxTokens,
    });
    const serveBody = JSON.stringify({ model: "banking77", messages: [{ role: "user", content: text }] });
    for (let turn = 0; turn < kinds.length; turn += 1) {
      const kind = kinds[(index + turn) % kinds.length]!;
      const timing =
        kind === "direct"
          ? await timeRequest(`${setup.replayUrl}/chat/completions`, upstreamBody)
          : kind === "served"
            ? await timeRequest(`${setup.serveUrl}/v1/chat/completions`, serveBody)
            : await timeRequest(
                `${kind === "proxied" ? setup.forwarders.nodeHttp : setup.forwarders.hono}/v1/chat/completions`,
                upstreamBody,
              );
      if (index >= warmUp) record(kind, timing.ms, timing.route);
    }
  }
}

/** One POST, timed to the end of its body; the route serve reports, if any. */
async function timeRequest(url: string, body: string): Promise<{ ms: number; route: string | null }> {
  const started = performance.now();
  const response = await fetch(url, { method: "POST", headers: jsonHeaders, body });
  await response.arrayBuffer();
  const ms = performance.now() - started;
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  return { ms, route: response.headers.get("x-easy-adapt-route") };
}

/** LM-call and chat-request latency sums and counts from the server's /metrics. */
async function scrapeTimings(serveUrl: string): Promise<ServerTimings> {
  const text = await (await fetch(`${serveUrl}/metrics`)).text();
  const value = (name: string): number => {
    const line = text.split("\n").find((candidate) => candidate.startsWith(`${name} `));
    return line === undefined ? 0 : Number(line.slice(name.length + 1));
  };
  const chat = 'endpoint="chat_completions"';
  return {
    lmCalls: value("easy_adapt_lm_call_duration_seconds_count"),
    lmCallSeconds: value("easy_adapt_lm_call_duration_seconds_sum"),
    chatRequests: value(`easy_adapt_http_request_duration_seconds_count{${chat}}`),
    chatSeconds: value(`easy_adapt_http_request_duration_seconds_sum{${chat}}`),
  };
}
