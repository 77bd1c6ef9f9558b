import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createOpenAICompatibleModel } from "../../src/large-models/openai-compatible-model.js";
import { type ServeHandle, startServe } from "../../src/serve/start-serve.js";
import type { Adapter } from "../../src/spec/adapter.js";
import { type ScriptedUpstream, startScriptedUpstream } from "../fixtures/serve/scripted-upstream.js";
import {
  loadTicketsAdapter,
  readTicketRows,
  ticketsAdapterFolder,
} from "../fixtures/serve/tickets-adapter.js";

/** The OpenAI error body every refusal must carry. */
const openAiErrorSchema = z.strictObject({
  error: z.strictObject({
    message: z.string().min(1).max(2000),
    type: z.string().min(1),
    param: z.null().optional(),
    code: z.string().min(1).nullable(),
  }),
});

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const user = (content: unknown) => ({ role: "user", content });
const chat = (fields: Record<string, unknown>) => JSON.stringify({ model: "tickets", ...fields });
const deep = (depth: number, leaf: string) => `${"[".repeat(depth)}${leaf}${"]".repeat(depth)}`;

/** Bad chat-completion bodies: [what, body]. Each must be a 4xx with the OpenAI error body. */
const badChatBodies: [string, string | Buffer][] = [
  ["invalid JSON", '{"model": "tickets", "messages": [{"role": "user", "content": "hi"}'],
  ["an empty body", ""],
  ["JSON null", "null"],
  ["a JSON number", "42"],
  ["a JSON string", '"hello"'],
  ["a JSON array", "[]"],
  ["a model that is a number", JSON.stringify({ model: 42, messages: [user("hi")] })],
  ["a model that is an array", JSON.stringify({ model: ["tickets"], messages: [user("hi")] })],
  ["messages as a string", chat({ messages: "hi" })],
  ["messages as an object", chat({ messages: { role: "user", content: "hi" } })],
  ["no messages", chat({})],
  ["empty messages", chat({ messages: [] })],
  ["a message that is a string", chat({ messages: ["hi"] })],
  ["a message that is null", chat({ messages: [null] })],
  ["a role that is an array", chat({ messages: [{ role: ["user"], content: "hi" }] })],
  ["an unknown role", chat({ messages: [{ role: "root", content: "hi" }] })],
  ["content as a number", chat({ messages: [user(42)] })],
  ["content as an object", chat({ messages: [user({ text: "hi" })] })],
  ["content as nested arrays", chat({ messages: [user([["hi"]])] })],
  ["a text part whose text is a number", chat({ messages: [user([{ type: "text", text: 42 }])] })],
  ["only an image part", chat({ messages: [user([{ type: "image_url", image_url: { url: "x" } }])] })],
  ["a text part without text", chat({ messages: [user([{ type: "text" }])] })],
  ["an empty parts array", chat({ messages: [user([])] })],
  [
    "system and assistant messages only",
    chat({
      messages: [
        { role: "system", content: "x" },
        { role: "assistant", content: "y" },
      ],
    }),
  ],
  ["a user message with null content", chat({ messages: [user(null)] })],
  ["a user message without content", chat({ messages: [{ role: "user" }] })],
  ["n = 2", chat({ messages: [user("hi")], n: 2 })],
  ["n as a huge number", '{"model":"tickets","messages":[{"role":"user","content":"hi"}],"n":1e400}'],
  [
    "n as a huge integer",
    '{"model":"tickets","messages":[{"role":"user","content":"hi"}],"n":123456789012345678901234567890}',
  ],
  ["stream as a string", chat({ messages: [user("hi")], stream: "yes" })],
  ["stream_options as a string", chat({ messages: [user("hi")], stream_options: "usage" })],
  ["messages nested 100,000 deep", `{"model":"tickets","messages":${deep(100_000, '"hi"')}}`],
  [
    "content nested 100,000 deep",
    `{"model":"tickets","messages":[{"role":"user","content":${deep(100_000, '"hi"')}}]}`,
  ],
  ["a model name of 500,000 characters", chat({ model: "m".repeat(500_000), messages: [user("hi")] })],
  ["an empty model name", chat({ model: "", messages: [user("hi")] })],
  ["zero-width characters only", chat({ messages: [user("\u200B\u200C\u200D\u2060\uFEFF")] })],
  ["control characters only", chat({ messages: [user("\u0000\u0001\u001B\u007F\u0085\u009F")] })],
  ["an input of 20,001 characters", chat({ messages: [user("a".repeat(20_001))] })],
  [
    "a duplicated key whose last value is wrong",
    '{"model":"tickets","messages":[{"role":"user","content":"hi"}],"messages":7}',
  ],
  ["bytes that are not UTF-8 outside a string", Buffer.from([0x7b, 0xff, 0xfe, 0x7d])],
];

/** Bad classify bodies. */
const badClassifyBodies: [string, string][] = [
  ["invalid JSON", '{"inputs": ["a",'],
  ["no inputs", "{}"],
  ["zero inputs", JSON.stringify({ inputs: [] })],
  ["inputs as a string", JSON.stringify({ inputs: "my card" })],
  ["inputs as an object", JSON.stringify({ inputs: { 0: "my card" } })],
  ["a number among the inputs", JSON.stringify({ inputs: ["my card", 7] })],
  ["null among the inputs", JSON.stringify({ inputs: ["my card", null] })],
  ["an array among the inputs", JSON.stringify({ inputs: [["my card"]] })],
  ["an object among the inputs", JSON.stringify({ inputs: [{ text: "my card" }] })],
  ["4,097 inputs", JSON.stringify({ inputs: Array.from({ length: 4097 }, (_, index) => `text ${index}`) })],
  ["an empty input", JSON.stringify({ inputs: ["my card", ""] })],
  ["an input of zero-width characters", JSON.stringify({ inputs: ["\u200B\uFEFF"] })],
  ["an input of 20,001 characters", JSON.stringify({ inputs: ["a".repeat(20_001)] })],
  ["a model that is a number", JSON.stringify({ model: 1, inputs: ["my card"] })],
  ["another model", JSON.stringify({ model: "gpt-4o", inputs: ["my card"] })],
  ["inputs nested 100,000 deep", `{"inputs":${deep(100_000, '"a"')}}`],
];

describe("serve under crafted and hostile requests (real HTTP)", () => {
  let upstream: ScriptedUpstream;
  let adapter: Adapter;
  let serve: ServeHandle;
  let port: number;
  let text: string;

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    adapter = await loadTicketsAdapter(
      await ticketsAdapterFolder(),
      createOpenAICompatibleModel({ baseUrl: upstream.baseUrl, model: "scripted", timeoutMs: 5000 }),
    );
    upstream.behaviour = { kind: "answer", content: adapter.task.labels[0]! };
    text = readTicketRows("test.csv")[0]!.text;
    serve = await startServe({ adapter });
    port = serve.port;
  });
  afterAll(async () => {
    await serve?.close({ drainTimeoutMs: 200 });
    await upstream?.close();
  });

  it.each(
    badChatBodies,
  )("chat completions: refuses %s with a 4xx and the OpenAI error body", async (_, body) => {
    await expectRefused(await post(serve, "/v1/chat/completions", body));
  });

  it.each(badClassifyBodies)("classify: refuses %s with a 4xx and the OpenAI error body", async (_, body) => {
    await expectRefused(await post(serve, "/v1/classify", body));
  });

  it("keeps a very long model name out of its error message", async () => {
    const response = await post(
      serve,
      "/v1/chat/completions",
      chat({ model: "m".repeat(500_000), messages: [user(text)] }),
    );
    expect(response.status).toBe(404);
    expect((await response.text()).length).toBeLessThan(1000);
  });

  it("answers valid requests with unusual text: lone surrogates, combining marks, bidi controls, emoji", async () => {
    for (const input of [
      "\uD800 card",
      "c\u0301ard\u0301",
      "\u202Ecard lost\u202C",
      "🎫🔒💳",
      "\u0000card",
    ]) {
      const chatResponse = await post(serve, "/v1/chat/completions", chat({ messages: [user(input)] }));
      expect(chatResponse.status).toBe(200);
      const batch = await post(serve, "/v1/classify", JSON.stringify({ inputs: [input] }));
      expect(batch.status).toBe(200);
    }
  });

  it("ignores an unknown field nested 100,000 deep", async () => {
    const body = `{"model":"tickets","messages":[{"role":"user","content":${JSON.stringify(text)}}],"metadata":${deep(100_000, "1")}}`;
    expect((await post(serve, "/v1/chat/completions", body)).status).toBe(200);
  });

  it("answers a valid body whatever its content type, and refuses a form or multipart body as not JSON", async () => {
    const body = chat({ messages: [user(text)] });
    expect((await post(serve, "/v1/chat/completions", body, "text/plain")).status).toBe(200);
    expect(
      (await post(serve, "/v1/chat/completions", body, "application/x-www-form-urlencoded")).status,
    ).toBe(200);
    await expectRefused(
      await post(
        serve,
        "/v1/chat/completions",
        "model=tickets&messages=hi",
        "application/x-www-form-urlencoded",
      ),
    );
    const multipart = '--b\r\nContent-Disposition: form-data; name="model"\r\n\r\ntickets\r\n--b--\r\n';
    await expectRefused(
      await post(serve, "/v1/chat/completions", multipart, "multipart/form-data; boundary=b"),
    );
  });

  it("refuses bogus Content-Length and malformed HTTP with a 4xx and the OpenAI error body", async () => {
    const body = chat({ messages: [user(text)] });
    const head = (extra: string) =>
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n${extra}\r\n`;
    const cases: [string, string][] = [
      ["a Content-Length that is not a number", `${head("Content-Length: abc\r\n")}${body}`],
      ["a negative Content-Length", `${head("Content-Length: -5\r\n")}${body}`],
      ["a Content-Length over the body limit", `${head("Content-Length: 99999999999\r\n")}${body}`],
      ["a Content-Length shorter than the body", `${head("Content-Length: 10\r\n")}${body}`],
      [
        "two different Content-Lengths",
        `${head(`Content-Length: 5\r\nContent-Length: ${body.length}\r\n`)}${body}`,
      ],
      [
        "Content-Length with chunked encoding",
        `${head(`Content-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n`)}${body}`,
      ],
      ["bad chunked encoding", `${head("Transfer-Encoding: chunked\r\n")}zz\r\n${body}\r\n0\r\n\r\n`],
      ["a header line without a colon", `${head("Not-A-Header\r\n")}`],
      ["headers over 16 KB", `${head(`X-Big: ${"b".repeat(20_000)}\r\n`)}`],
      ["a request line that is not HTTP", "HELLO THERE\r\n\r\n"],
    ];
    for (const [what, request] of cases) {
      const response = await rawRequest(port, request);
      expect(response.status, what).toBeGreaterThanOrEqual(400);
      expect(response.status, what).toBeLessThan(500);
      expect(
        openAiErrorSchema.safeParse(JSON.parse(response.body)).success,
        `${what}: ${response.body}`,
      ).toBe(true);
    }
  });

  it("refuses a body cut short by a client that half-closes, without a 5xx", async () => {
    const request =
      "POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n" +
      '{"inputs": [';
    const response = await rawRequest(port, request, { halfClose: true });
    if (response.status !== 0) expect(response.status).toBeLessThan(500);
  });

  it("refuses malformed paths and wrong methods with a 4xx and the OpenAI error body", async () => {
    for (const path of [
      "/v1/models/%E0%A4%A",
      "/v1/models/%ZZ",
      `/v1/models/${"m".repeat(8000)}`,
      "/v1/nowhere",
    ]) {
      await expectRefused(await fetch(`${serve.url}${path}`));
    }
    await expectRefused(await fetch(`${serve.url}/v1/classify`));
    await expectRefused(await fetch(`${serve.url}/v1/chat/completions`, { method: "PUT", body: "{}" }));
  });

  it("is still up and answered no request with a 5xx", async () => {
    expect((await fetch(`${serve.url}/healthz`)).status).toBe(200);
    const metrics = serve.metrics.render();
    expect(metrics).not.toMatch(/^easy_adapt_http_requests_total\{.*status="5\d\d"\}/m);
  });
});

describe("serve's API key check under crafted Authorization headers", () => {
  it("answers each with a 401 and the OpenAI error body", async () => {
    const upstream = await startScriptedUpstream();
    const adapter = await loadTicketsAdapter(
      await ticketsAdapterFolder(),
      createOpenAICompatibleModel({ baseUrl: upstream.baseUrl, model: "scripted", timeoutMs: 5000 }),
    );
    const serve = await startServe({ adapter, apiKey: "right-key" });
    try {
      for (const authorization of [
        "",
        "Bearer",
        "Bearer ",
        "Basic cmlnaHQta2V5",
        "bearer wrong-key",
        `Bearer ${"k".repeat(10_000)}`,
        "Bearer right-key extra",
      ]) {
        const response = await fetch(`${serve.url}/v1/models`, { headers: { authorization } });
        expect(response.status, authorization.slice(0, 20)).toBe(401);
        openAiErrorSchema.parse(await response.json());
      }
      const raw = await rawRequest(
        serve.port,
        "GET /v1/models HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer r\u00e9ght\r\n\r\n",
      );
      expect(raw.status).toBe(401);
    } finally {
      await serve.close();
      await upstream.close();
    }
  });
});

/** A 4xx whose body is the OpenAI error body. */
async function expectRefused(response: Response): Promise<void> {
  const body = await response.text();
  expect(response.status, body.slice(0, 300)).toBeGreaterThanOrEqual(400);
  expect(response.status, body.slice(0, 300)).toBeLessThan(500);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  openAiErrorSchema.parse(JSON.parse(body));
}

function post(serve: ServeHandle, path: string, body: string | Buffer, contentType = "application/json") {
  return fetch(`${serve.url}${path}`, { method: "POST", headers: { "content-type": contentType }, body });
}

/**
 * Writes `request` as is on a new connection and reads the first response until the server closes
 * the connection (status 0 when it closes without one).
 */
function rawRequest(
  port: number,
  request: string,
  options: { halfClose?: boolean } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to ${JSON.stringify(request.slice(0, 80))}`));
    }, 5000);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(parseResponse(Buffer.concat(chunks).toString("utf8")));
    });
    socket.write(request);
    if (options.halfClose === true) socket.end();
  });
}

function parseResponse(text: string): RawResponse {
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) return { status: 0, headers: {}, body: "" };
  const [statusLine, ...lines] = text.slice(0, end).split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = text.slice(end + 4);
  if (headers["transfer-encoding"] === "chunked") body = unchunk(body);
  return { status: Number(statusLine?.split(" ")[1] ?? 0), headers, body };
}

function unchunk(body: string): string {
  let out = "";
  let rest = body;
  for (;;) {
    const lineEnd = rest.indexOf("\r\n");
    const size = Number.parseInt(rest.slice(0, lineEnd), 16);
    if (!(size > 0)) return out;
    out += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 2 + size + 2);
  }
}
