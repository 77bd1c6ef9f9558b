import { connect } from "node:net";

/** The kinds of request the soak sends, each with its share of the traffic (weights). */
export const requestKinds = {
  /** A chat completion the adapter answers with the SSM. */
  "ssm-chat": 30,
  /** A chat completion the adapter routes to the LLM. */
  "lm-chat": 20,
  /** A `/v1/classify` batch of 8 inputs, SSM- and LLM-routed mixed. */
  classify: 10,
  /** A streamed chat completion (`"stream": true`), read to its end; LLM-routed every other time. */
  stream: 15,
  /** An LLM-routed chat completion the client aborts after 5 to 40 ms (mid-call with a 50 ms upstream). */
  "client-abort": 10,
  /** A malformed body (not JSON, the wrong shape, no user message, an empty batch, an unknown model). */
  malformed: 10,
  /** A raw request whose client sends half its declared body, then closes the connection. */
  "truncated-body": 5,
} as const;

/** One kind of request. */
export type RequestKind = keyof typeof requestKinds;

/** What happened to one request: its HTTP status, or that the client aborted it or the connection failed. */
export type Outcome = { status: number; ms: number } | { aborted: true } | { networkError: string };

/** What the traffic needs: serve's URL and model, and texts the adapter sends each way. */
export interface TrafficSetup {
  url: string;
  model: string;
  ssmTexts: readonly string[];
  lmTexts: readonly string[];
}

/** A kind drawn by its weight. */
export function pickKind(random: () => number): RequestKind {
  const entries = Object.entries(requestKinds) as [RequestKind, number][];
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  let draw = random() * total;
  for (const [kind, weight] of entries) {
    draw -= weight;
    if (draw < 0) return kind;
  }
  return "ssm-chat";
}

const pick = (texts: readonly string[], random: () => number): string =>
  texts[Math.floor(random() * texts.length)] ?? "hello";

const chatBody = (model: string, text: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ model, messages: [{ role: "user", content: text }], ...extra });

/** Sends one request of `kind` and says what came of it (never throws). */
export async function sendRequest(
  setup: TrafficSetup,
  kind: RequestKind,
  random: () => number,
): Promise<Outcome> {
  const started = performance.now();
  try {
    if (kind === "truncated-body") return await sendTruncatedBody(setup.url);
    const { path, body, abortAfterMs } = requestOf(setup, kind, random);
    const controller = new AbortController();
    const timer = abortAfterMs === undefined ? undefined : setTimeout(() => controller.abort(), abortAfterMs);
    try {
      const response = await fetch(`${setup.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
        signal: controller.signal,
      });
      await response.arrayBuffer();
      return { status: response.status, ms: performance.now() - started };
    } finally {
      clearTimeout(timer);
    }
  } catch (error) {
    if (error instanceof Error && error.name === "AbortError") return { aborted: true };
    return { networkError: error instanceof Error ? error.message : String(error) };
  }
}

/** The path and body of a request of `kind` (not `truncated-body`), and when the client aborts it. */
function requestOf(
  setup: TrafficSetup,
  kind: RequestKind,
  random: () => number,
): { path: string; body: string; abortAfterMs?: number } {
  const { model, ssmTexts, lmTexts } = setup;
  switch (kind) {
    case "ssm-chat":
      return { path: "/v1/chat/completions", body: chatBody(model, pick(ssmTexts, random)) };
    case "lm-chat":
      return { path: "/v1/chat/completions", body: chatBody(model, pick(lmTexts, random)) };
    case "classify": {
      const inputs = Array.from({ length: 8 }, (_, index) =>
        pick(index % 2 === 0 ? ssmTexts : lmTexts, random),
      );
      return { path: "/v1/classify", body: JSON.stringify({ model, inputs }) };
    }
    case "stream": {
      const text = pick(random() < 0.5 ? ssmTexts : lmTexts, random);
      const extra = { stream: true, stream_options: { include_usage: true } };
      return { path: "/v1/chat/completions", body: chatBody(model, text, extra) };
    }
    case "client-abort":
      return {
        path: "/v1/chat/completions",
        body: chatBody(model, pick(lmTexts, random)),
        abortAfterMs: 5 + Math.floor(random() * 35),
      };
    default:
      return malformedRequest(model, random);
  }
}

/** One of five malformed requests, each a 4xx for serve. */
function malformedRequest(model: string, random: () => number): { path: string; body: string } {
  const bodies: { path: string; body: string }[] = [
    { path: "/v1/chat/completions", body: '{"model": "x", "messages": [' },
    { path: "/v1/chat/completions", body: JSON.stringify({ model, messages: "hello" }) },
    {
      path: "/v1/chat/completions",
      body: JSON.stringify({ model, messages: [{ role: "system", content: "x" }] }),
    },
    { path: "/v1/classify", body: JSON.stringify({ model, inputs: [] }) },
    { path: "/v1/chat/completions", body: chatBody(`not-${model}`, "hello") },
  ];
  return bodies[Math.floor(random() * bodies.length)] ?? { path: "/v1/classify", body: "{" };
}

/**
 * A raw HTTP request declaring a 200-byte body, of which the client sends 100 bytes before it
 * closes the connection: serve must drop what it had read, with no answer anyone can see.
 */
function sendTruncatedBody(url: string): Promise<Outcome> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        `POST /v1/chat/completions HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n${"{".padEnd(100, " ")}`,
        () => setTimeout(() => socket.destroy(), 5),
      );
    });
    socket.on("error", () => undefined);
    socket.on("close", () => resolve({ aborted: true }));
  });
}
