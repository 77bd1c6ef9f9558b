import { beforeAll, describe, expect, it } from "vitest";
import { loadAdapter } from "../../src/adapter/load-adapter.js";
import { createOpenAICompatibleModel } from "../../src/large-models/openai-compatible-model.js";
import { startReplayServer } from "../../src/replay/replay-server.js";
import type { ServedLmAnswer } from "../../src/serve/audit/online-serving.js";
import { type ServeHandle, startServe } from "../../src/serve/start-serve.js";
import type { Adapter } from "../../src/spec/adapter.js";
import type { Logger } from "../../src/spec/logger.js";
import { createSeededRandom } from "../../src/util/seeded-random.js";
import { startScriptedUpstream } from "../fixtures/serve/scripted-upstream.js";
import { readTicketRows } from "../fixtures/serve/serve-fixture.js";
import { ticketLabels, ticketsAdapterFolder } from "../fixtures/serve/tickets-adapter.js";

const rows = ["train.csv", "dev.csv", "test.csv"].flatMap((file) => readTicketRows(file as "train.csv"));

/** POSTs one input to /v1/classify; its answer and route. */
async function classify(url: string, text: string): Promise<{ label: string; route: string }> {
  const response = await fetch(`${url}/v1/classify`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "tickets", inputs: [text] }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { results: { label: string; route: string }[] };
  const { label, route } = body.results[0]!;
  return { label, route };
}

async function metricValue(url: string, series: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split("\n").find((entry) => entry.startsWith(`${series} `));
  if (line === undefined) throw new Error(`no ${series} in /metrics`);
  return Number(line.slice(series.length + 1));
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function recordingLogger(lines: { event: string; details?: Record<string, unknown> }[]): Logger {
  return {
    info: () => {},
    warn: (event, details) => lines.push({ event, ...(details === undefined ? {} : { details }) }),
  };
}

describe("serve --audit-share", () => {
  let folder: string;
  let adapter: Adapter;
  /** Texts the adapter's SSM answers, with its label. */
  let local: { text: string; ssmLabel: string }[];

  beforeAll(async () => {
    folder = await ticketsAdapterFolder();
    adapter = await loadAdapter(folder);
    local = rows
      .map((row) => ({ text: row.text, decision: adapter.decide(row.text) }))
      .filter((entry) => !entry.decision.useLm)
      .map((entry) => ({ text: entry.text, ssmLabel: entry.decision.ssmLabel }));
    expect(local.length).toBeGreaterThan(30);
  });

  /** Serves the tickets adapter with audits against a replay LLM answering `answerOf(text)`. */
  async function serveAudited(options: {
    auditShare: number;
    estimate: number;
    answerOf: (entry: { text: string; ssmLabel: string }) => string;
    heard: ServedLmAnswer[];
    logged: { event: string; details?: Record<string, unknown> }[];
  }): Promise<{ serve: ServeHandle; calls: () => number; close(): Promise<void> }> {
    const replay = await startReplayServer({
      answers: local.map((entry) => ({ text: entry.text, answer: options.answerOf(entry) })),
    });
    let calls = 0;
    const inner = createOpenAICompatibleModel({ baseUrl: replay.url, model: "replay", timeoutMs: 5000 });
    const largeModel = {
      id: inner.id,
      complete: (...args: Parameters<typeof inner.complete>) => {
        calls += 1;
        return inner.complete(...args);
      },
    };
    const served = await loadAdapter(folder, { largeModel });
    const serve = await startServe({
      adapter: served,
      logger: recordingLogger(options.logged),
      online: {
        auditShare: options.auditShare,
        random: createSeededRandom(3),
        largeModelFor: () => largeModel,
        estimateOf: () => options.estimate,
        onLmAnswer: (answer) => options.heard.push(answer),
      },
    });
    return {
      serve,
      calls: () => calls,
      async close() {
        await serve.close();
        await replay.close();
      },
    };
  }

  it("asks the LLM about that share of the SSM's answers, answers the client with the SSM and exposes the agreement", async () => {
    const heard: ServedLmAnswer[] = [];
    const logged: { event: string }[] = [];
    const audited = await serveAudited({
      auditShare: 0.3,
      estimate: 0.9,
      answerOf: (entry) => entry.ssmLabel,
      heard,
      logged,
    });
    try {
      const sent = 200;
      for (let index = 0; index < sent; index += 1) {
        const entry = local[index % local.length]!;
        expect(await classify(audited.serve.url, entry.text)).toEqual({
          label: entry.ssmLabel,
          route: "ssm",
        });
      }
      await waitFor(() => heard.length === audited.calls());
      const share = audited.calls() / sent;
      expect(share).toBeGreaterThan(0.18);
      expect(share).toBeLessThan(0.42);
      expect(heard.every((answer) => answer.audited && answer.model === "tickets")).toBe(true);
      const url = audited.serve.url;
      const agree = await metricValue(url, 'easy_adapt_audit_inputs{adapter="tickets",outcome="agree"}');
      expect(agree).toBe(audited.calls());
      expect(await metricValue(url, 'easy_adapt_audit_inputs{adapter="tickets",outcome="disagree"}')).toBe(0);
      expect(await metricValue(url, 'easy_adapt_audit_agreement{adapter="tickets"}')).toBe(1);
      expect(await metricValue(url, 'easy_adapt_agreement_estimate{adapter="tickets"}')).toBe(0.9);
      expect(await metricValue(url, 'easy_adapt_agreement_dropped{adapter="tickets"}')).toBe(0);
      expect(logged.filter((line) => line.event === "agreement-drop")).toEqual([]);
    } finally {
      await audited.close();
    }
  });

  it("raises the LLM's share, and says so once, when the audited agreement drops below the estimate", async () => {
    const heard: ServedLmAnswer[] = [];
    const logged: { event: string; details?: Record<string, unknown> }[] = [];
    const other = (label: string) => ticketLabels.find((candidate) => candidate !== label)!;
    const audited = await serveAudited({
      auditShare: 0.5,
      estimate: 0.98,
      answerOf: (entry) => other(entry.ssmLabel),
      heard,
      logged,
    });
    try {
      const url = audited.serve.url;
      let index = 0;
      // Until the drop, the SSM answers; each audit finds the LLM disagreeing.
      await waitFor(async () => {
        await classify(url, local[index++ % local.length]!.text);
        return (await metricValue(url, 'easy_adapt_agreement_dropped{adapter="tickets"}')) === 1;
      });
      expect(await metricValue(url, 'easy_adapt_audit_agreement{adapter="tickets"}')).toBe(0);
      // From the drop on, every input goes to the LLM, whose answer the client gets.
      for (const entry of local.slice(0, 10)) {
        expect(await classify(url, entry.text)).toEqual({ label: other(entry.ssmLabel), route: "lm" });
      }
      const drops = logged.filter((line) => line.event === "agreement-drop");
      expect(drops).toHaveLength(1);
      expect(drops[0]!.details).toMatchObject({ model: "tickets", estimate: 0.98, measured: 0 });
      expect(heard.filter((answer) => !answer.audited).length).toBeGreaterThanOrEqual(10);
    } finally {
      await audited.close();
    }
  });

  it("answers at once while the audit's LLM call is slow: the audit is off the response path", async () => {
    const upstream = await startScriptedUpstream();
    upstream.behaviour = { kind: "answer", content: ticketLabels[0]!, delayMs: 3000 };
    const largeModel = createOpenAICompatibleModel({
      baseUrl: upstream.baseUrl,
      model: "scripted",
      timeoutMs: 10_000,
    });
    const serve = await startServe({
      adapter: await loadAdapter(folder, { largeModel }),
      online: { auditShare: 1, largeModelFor: () => largeModel, estimateOf: () => 0.9 },
    });
    try {
      const startedAt = Date.now();
      const answer = await classify(serve.url, local[0]!.text);
      expect(answer.route).toBe("ssm");
      expect(Date.now() - startedAt).toBeLessThan(1500);
      await waitFor(() => upstream.calls === 1);
    } finally {
      await serve.close({ drainTimeoutMs: 0 });
      await upstream.close();
    }
  });
});
