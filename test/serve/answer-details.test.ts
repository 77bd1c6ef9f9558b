import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadAdapter } from "../../src/adapter/load-adapter.js";
import { disabledDecisionLog } from "../../src/serve/decision-log.js";
import { createServeApp } from "../../src/serve/serve-app.js";
import { systemClock } from "../../src/serve/serve-clock.js";
import { createServeMetrics } from "../../src/serve/serve-metrics.js";
import { chatBody, createServeFixture, type ServeFixture } from "../fixtures/serve/serve-fixture.js";
import { readTicketRows, ticketsAdapterFolder } from "../fixtures/serve/tickets-adapter.js";

const noUsage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
// What the scripted upstream reports for each call.
const upstreamUsage = { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 };

/** The JSON objects of a server-sent event stream, without the closing `[DONE]`. */
async function streamedChunks(response: Response): Promise<Record<string, unknown>[]> {
  const events = (await response.text()).split("\n\n").filter((event) => event !== "");
  expect(events.at(-1)).toBe("data: [DONE]");
  return events.slice(0, -1).map((event) => JSON.parse(event.slice("data: ".length)));
}

describe("what a served answer tells about itself: usage and fallback reasons", () => {
  let fixture: ServeFixture;
  const post = (path: string, body: string) =>
    fixture.app.request(path, { method: "POST", body, headers: { "content-type": "application/json" } });

  beforeAll(async () => {
    fixture = await createServeFixture();
  });
  afterAll(async () => {
    await fixture.close();
  });

  it("reports the upstream's token usage when the LM was called, and zero when the SSM answered", async () => {
    fixture.upstream.behaviour = { kind: "answer", content: fixture.lmAnswer };
    const routed = await post("/v1/chat/completions", chatBody("tickets", fixture.lmText));
    expect(await routed.json()).toMatchObject({ usage: upstreamUsage, easy_adapt: { route: "lm" } });
    const local = await post("/v1/chat/completions", chatBody("tickets", fixture.ssmText));
    expect(await local.json()).toMatchObject({ usage: noUsage, easy_adapt: { route: "ssm" } });
  });

  it("streams the usage in a last chunk only when stream_options.include_usage is set", async () => {
    fixture.upstream.behaviour = { kind: "answer", content: fixture.lmAnswer };
    const withUsage = await streamedChunks(
      await post(
        "/v1/chat/completions",
        chatBody("tickets", fixture.lmText, { stream: true, stream_options: { include_usage: true } }),
      ),
    );
    expect(withUsage.at(-1)).toMatchObject({ choices: [], usage: upstreamUsage });
    for (const chunk of withUsage.slice(0, -1)) expect(chunk.usage).toBeNull();
    const without = await streamedChunks(
      await post("/v1/chat/completions", chatBody("tickets", fixture.lmText, { stream: true })),
    );
    for (const chunk of without) expect(chunk).not.toHaveProperty("usage");
  });

  it("names the reason of a fallback in the easy_adapt field and the classify results", async () => {
    fixture.upstream.behaviour = { kind: "answer", content: "not a label" };
    const chat = await post("/v1/chat/completions", chatBody("tickets", fixture.lmText));
    // The LM was called (and paid for) even though its answer was unusable.
    expect(await chat.json()).toMatchObject({
      usage: upstreamUsage,
      easy_adapt: { route: "fallback", fallback_reason: "lm-unparseable" },
    });
    const batch = await post("/v1/classify", JSON.stringify({ inputs: [fixture.lmText, fixture.ssmText] }));
    const { results } = (await batch.json()) as { results: Record<string, unknown>[] };
    expect(results[0]).toMatchObject({ route: "fallback", fallback_reason: "lm-unparseable" });
    expect(results[1]).not.toHaveProperty("fallback_reason");
  });
});

describe("serve without an LM", () => {
  it('answers LM-routed inputs from the SSM with fallback reason "no-lm", counting no LM call', async () => {
    const adapter = await loadAdapter(await ticketsAdapterFolder(), { largeModel: undefined });
    try {
      const metrics = createServeMetrics();
      const app = createServeApp({
        adapter,
        decisionLog: disabledDecisionLog,
        metrics,
        maxConcurrentLmCalls: 2,
        clock: systemClock,
      });
      const text = readTicketRows("test.csv").find((row) => adapter.decide(row.text).useLm)?.text ?? "";
      const chat = await app.request("/v1/chat/completions", {
        method: "POST",
        body: chatBody("tickets", text),
      });
      expect(await chat.json()).toMatchObject({
        usage: noUsage,
        easy_adapt: { route: "fallback", fallback_reason: "no-lm" },
      });
      const batch = await app.request("/v1/classify", {
        method: "POST",
        body: JSON.stringify({ inputs: [text] }),
      });
      expect(await batch.json()).toMatchObject({
        results: [{ route: "fallback", fallback_reason: "no-lm" }],
      });
      const rendered = metrics.render();
      expect(rendered).toMatch(/^easy_adapt_lm_calls_total 0$/m);
      expect(rendered).toMatch(/^easy_adapt_predictions_total\{route="fallback"\} 2$/m);
    } finally {
      await adapter.close();
    }
  });
});
