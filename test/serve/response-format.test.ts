import OpenAI from "openai";
import { zodResponseFormat } from "openai/helpers/zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type RunningServer, startServeServer } from "../../src/serve/serve-server.js";
import { chatBody, createServeFixture, type ServeFixture } from "../fixtures/serve/serve-fixture.js";
import { ticketLabels } from "../fixtures/serve/tickets-adapter.js";

describe("response_format on /v1/chat/completions", () => {
  let fixture: ServeFixture;
  let server: RunningServer;
  let client: OpenAI;
  let ssmLabel: string;

  beforeAll(async () => {
    fixture = await createServeFixture();
    server = await startServeServer({ fetch: fixture.app.fetch, port: 0, host: "127.0.0.1" });
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "unused", maxRetries: 0 });
    ssmLabel = fixture.adapter.decide(fixture.ssmText).ssmLabel;
  });
  afterAll(async () => {
    await server?.close({ drainTimeoutMs: 1000 });
    await fixture?.close();
  });

  const contentOf = async (responseFormat: unknown, text = fixture.ssmText, stream = false) => {
    const response = await fixture.app.request("/v1/chat/completions", {
      method: "POST",
      body: chatBody("tickets", text, { response_format: responseFormat, stream }),
    });
    if (!stream) {
      const body = (await response.json()) as { choices: { message: { content: string } }[] };
      return body.choices[0]?.message.content;
    }
    const events = (await response.text()).split("\n\n").filter((event) => event.startsWith("data: {"));
    return events.map((event) => JSON.parse(event.slice(6)).choices[0]?.delta?.content ?? "").join("");
  };

  it('answers {"label": ...} as JSON for json_object and for a json_schema with a label string', async () => {
    expect(JSON.parse((await contentOf({ type: "json_object" })) ?? "")).toEqual({ label: ssmLabel });
    expect(JSON.parse((await contentOf({ type: "json_object" }, fixture.ssmText, true)) ?? "")).toEqual({
      label: ssmLabel,
    });
    const schema = zodResponseFormat(z.object({ label: z.enum(ticketLabels as [string]) }), "ticket");
    expect(JSON.parse((await contentOf(schema)) ?? "")).toEqual({ label: ssmLabel });
    // The AI SDK's generateObject({ output: "enum" }) asks for {"result": <one of the labels>}.
    const enumOutput = {
      type: "json_schema",
      json_schema: {
        name: "response",
        strict: true,
        schema: {
          type: "object",
          properties: { result: { type: "string", enum: ticketLabels } },
          required: ["result"],
          additionalProperties: false,
        },
      },
    };
    expect(JSON.parse((await contentOf(enumOutput)) ?? "")).toEqual({ result: ssmLabel });
    expect(await contentOf({ type: "text" })).toBe(ssmLabel);
  });

  it("refuses with a 400, before any LM call, a response_format the answer cannot take", async () => {
    fixture.upstream.behaviour = { kind: "answer", content: fixture.lmAnswer };
    const callsBefore = fixture.upstream.calls;
    const withSchema = (schema: Record<string, unknown>) => ({
      type: "json_schema",
      json_schema: { name: "answer", schema },
    });
    const cases: [unknown, string][] = [
      [{ type: "xml" }, "response_format.type: "],
      [{ type: "json_schema" }, "response_format.json_schema: required"],
      [withSchema({ type: "array", items: { type: "string" } }), 'schema of type "array" cannot hold'],
      [
        withSchema({ type: "object", properties: { topic: { type: "string" }, score: { type: "number" } } }),
        "give it a `label` string property (or a single property); it has `topic`, `score`",
      ],
      [
        withSchema({
          type: "object",
          properties: { label: { type: "string" }, reason: { type: "string" } },
          required: ["label", "reason"],
        }),
        "requires `reason`, which this server cannot fill",
      ],
      [withSchema({ type: "object", properties: { label: { type: "integer" } } }), "must accept a string"],
      [
        withSchema({
          type: "object",
          properties: { label: { type: "string", enum: ticketLabels.slice(1) } },
        }),
        `it lacks ${JSON.stringify(ticketLabels[0])}`,
      ],
    ];
    for (const [responseFormat, message] of cases) {
      const response = await fixture.app.request("/v1/chat/completions", {
        method: "POST",
        body: chatBody("tickets", fixture.lmText, { response_format: responseFormat }),
      });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { message: string; code: string; param: null } };
      expect(body.error).toMatchObject({ code: "invalid_request", param: null });
      expect(body.error.message).toContain(message);
    }
    expect(fixture.upstream.calls).toBe(callsBefore);
  });

  it("works with the openai client over HTTP: json_object (also streamed, with usage), parse() with a zod schema, and a plain 400", async () => {
    fixture.upstream.behaviour = { kind: "answer", content: fixture.lmAnswer };
    const json = await client.chat.completions.create({
      model: "tickets",
      messages: [{ role: "user", content: fixture.lmText }],
      response_format: { type: "json_object" },
    });
    expect(JSON.parse(json.choices[0]?.message.content ?? "")).toEqual({ label: fixture.lmAnswer });
    expect(json.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 });

    const stream = await client.chat.completions.create({
      model: "tickets",
      messages: [{ role: "user", content: fixture.lmText }],
      response_format: { type: "json_object" },
      stream: true,
      stream_options: { include_usage: true },
    });
    let streamed = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      streamed += chunk.choices[0]?.delta.content ?? "";
      usage = chunk.usage ?? usage;
    }
    expect(JSON.parse(streamed)).toEqual({ label: fixture.lmAnswer });
    expect(usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 });

    const parsed = await client.chat.completions.parse({
      model: "tickets",
      messages: [{ role: "user", content: fixture.ssmText }],
      response_format: zodResponseFormat(z.object({ label: z.enum(ticketLabels as [string]) }), "ticket"),
    });
    expect(parsed.choices[0]?.message.parsed).toEqual({ label: ssmLabel });

    const refused = await client.chat.completions
      .create({
        model: "tickets",
        messages: [{ role: "user", content: fixture.ssmText }],
        response_format: zodResponseFormat(z.object({ items: z.array(z.string()), n: z.number() }), "list"),
      })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as InstanceType<typeof OpenAI.BadRequestError>).message).toContain(
      "no property can hold the label",
    );
  });
});
