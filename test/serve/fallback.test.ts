import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { startServeServer } from "../../src/serve/serve-server.js";
import { chatBody, createServeFixture, type ServeFixture } from "../fixtures/serve/serve-fixture.js";

const completionSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string() }) })),
  easy_adapt: z.object({ route: z.enum(["ssm", "lm", "fallback"]), confidence: z.number() }),
});

const decisionRecordSchema = z.object({
  time: z.iso.datetime(),
  endpoint: z.enum(["chat_completions", "classify"]),
  inputSha256: z.string().regex(/^[0-9a-f]{64}$/),
  route: z.enum(["ssm", "lm", "fallback"]),
  label: z.string(),
  confidence: z.number(),
  ssmLabel: z.string(),
  ssmConfidence: z.number(),
  lmAnswer: z.string().optional(),
  fallbackReason: z.enum(["lm-timeout", "lm-error", "lm-unparseable"]).optional(),
  latencyMs: z.number().nonnegative(),
});

describe("serve fallbacks with a real upstream on loopback", () => {
  let fixture: ServeFixture;
  let directory: string;
  let logPath: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "serve-fallback-"));
    logPath = join(directory, "decisions.jsonl");
    fixture = await createServeFixture({ logPath });
  });
  afterAll(async () => {
    await fixture.close();
    await rm(directory, { recursive: true, force: true });
  });

  const ask = async () => {
    const response = await fixture.app.request("/v1/chat/completions", {
      method: "POST",
      body: chatBody("tickets", fixture.lmText),
      headers: { "content-type": "application/json" },
    });
    return { response, route: response.headers.get("x-easy-adapt-route") };
  };

  it("answers with the LM's label when the upstream answers on the label set", async () => {
    fixture.upstream.behaviour = { kind: "answer", content: fixture.lmAnswer };
    const { response, route } = await ask();
    expect(route).toBe("lm");
    const body = completionSchema.parse(await response.json());
    expect(body.choices[0]?.message.content).toBe(fixture.lmAnswer);
  });

  it("falls back to the SSM's label when the upstream times out", async () => {
    fixture.upstream.behaviour = { kind: "hang" };
    const { response, route } = await ask();
    expect(response.status).toBe(200);
    expect(route).toBe("fallback");
    const body = completionSchema.parse(await response.json());
    expect(body.choices[0]?.message.content).toBe(fixture.adapter.decide(fixture.lmText).ssmLabel);
    expect(body.easy_adapt.route).toBe("fallback");
  });

  it("falls back when the upstream fails with 500 after its retries", async () => {
    fixture.upstream.behaviour = { kind: "status", status: 500 };
    const callsBefore = fixture.upstream.calls;
    const { response, route } = await ask();
    expect(response.status).toBe(200);
    expect(route).toBe("fallback");
    expect(fixture.upstream.calls - callsBefore).toBe(2);
  });

  it("falls back when the upstream answers off the label set", async () => {
    fixture.upstream.behaviour = { kind: "answer", content: "I would rather not say." };
    const { response, route } = await ask();
    expect(route).toBe("fallback");
    expect(completionSchema.parse(await response.json()).choices[0]?.message.content).toBe(
      fixture.adapter.decide(fixture.lmText).ssmLabel,
    );
  });

  it("answers 502 with a plain message when the upstream refuses authentication", async () => {
    fixture.upstream.behaviour = { kind: "status", status: 401 };
    const { response } = await ask();
    expect(response.status).toBe(502);
    const body = z
      .object({ error: z.object({ message: z.string(), type: z.string(), code: z.string() }) })
      .parse(await response.json());
    expect(body.error.code).toBe("upstream_authentication_failed");
    expect(body.error.message).not.toContain("upstream-key");
    const batch = await fixture.app.request("/v1/classify", {
      method: "POST",
      body: JSON.stringify({ inputs: [fixture.ssmText, fixture.lmText] }),
    });
    expect(batch.status).toBe(502);
  });

  it("counts the LM errors by reason in the metrics", async () => {
    const text = await (await fixture.app.request("/metrics")).text();
    expect(text).toMatch(/^easy_adapt_lm_errors_total\{reason="lm-timeout"\} 1$/m);
    expect(text).toMatch(/^easy_adapt_lm_errors_total\{reason="lm-error"\} 1$/m);
    expect(text).toMatch(/^easy_adapt_lm_errors_total\{reason="lm-unparseable"\} 1$/m);
    expect(text).toMatch(/^easy_adapt_lm_errors_total\{reason="auth"\} 2$/m);
    expect(text).toMatch(/^easy_adapt_predictions_total\{route="fallback"\} 3$/m);
  });

  it("has logged one JSON line per answer, with the input's hash and never the input", async () => {
    await fixture.decisionLog.flush();
    const content = await readFile(logPath, "utf8");
    expect(content).not.toContain(fixture.lmText);
    const records = content
      .trim()
      .split("\n")
      .map((line) => decisionRecordSchema.parse(JSON.parse(line)));
    // 4 chat answers + the SSM half of the refused batch (auth failures answer nothing).
    expect(records.map((record) => record.route)).toEqual(["lm", "fallback", "fallback", "fallback", "ssm"]);
    const lmHash = createHash("sha256").update(fixture.lmText).digest("hex");
    expect(records[0]).toMatchObject({
      inputSha256: lmHash,
      lmAnswer: fixture.lmAnswer,
      label: fixture.lmAnswer,
    });
    expect(records[1]).toMatchObject({ fallbackReason: "lm-timeout" });
    expect(records[1]?.lmAnswer).toBeUndefined();
    expect(records[2]).toMatchObject({ fallbackReason: "lm-error" });
    expect(records[3]).toMatchObject({
      fallbackReason: "lm-unparseable",
      lmAnswer: "I would rather not say.",
    });
    expect(records[4]).toMatchObject({
      endpoint: "classify",
      inputSha256: createHash("sha256").update(fixture.ssmText).digest("hex"),
      ssmLabel: fixture.adapter.decide(fixture.ssmText).ssmLabel,
    });
    expect(records[4]?.lmAnswer).toBeUndefined();
  });
});

describe("serve when the client goes away", () => {
  it("aborts the LM call in flight and counts it as a client disconnect, not an LM error", async () => {
    const fixture = await createServeFixture();
    const server = await startServeServer({ fetch: fixture.app.fetch, port: 0, host: "127.0.0.1" });
    try {
      fixture.upstream.behaviour = { kind: "hang" };
      const controller = new AbortController();
      const pending = fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        body: chatBody("tickets", fixture.lmText),
        signal: controller.signal,
      });
      await waitFor(() => fixture.upstream.calls === 1);
      controller.abort();
      await expect(pending).rejects.toThrow();
      // Without the abort reaching the LM call it would time out (300 ms) and be counted as lm-timeout.
      await waitFor(async () =>
        /^easy_adapt_cut_off_inputs_total\{reason="client-disconnect"\} 1$/m.test(
          await (await fixture.app.request("/metrics")).text(),
        ),
      );
      const metrics = await (await fixture.app.request("/metrics")).text();
      expect(metrics).not.toMatch(/^easy_adapt_lm_errors_total\{.*\} [1-9]/m);
      expect(metrics).toMatch(/^easy_adapt_lm_calls_total 1$/m);
      expect(fixture.upstream.calls).toBe(1);
    } finally {
      await server.close({ drainTimeoutMs: 1000 });
      await fixture.close();
    }
  });
});

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("serve decision log with an injected clock", () => {
  it("stamps each record with the clock's time and the latency it measured", async () => {
    const directory = await mkdtemp(join(tmpdir(), "serve-clock-"));
    const base = Date.UTC(2026, 0, 2, 3, 4, 5);
    let ticks = 0;
    // Every reading of the clock moves it 7 ms on.
    const clock = { now: () => base + 7 * ticks++ };
    const fixture = await createServeFixture({ logPath: join(directory, "log.jsonl"), clock });
    try {
      const response = await fixture.app.request("/v1/chat/completions", {
        method: "POST",
        body: chatBody("tickets", fixture.ssmText),
      });
      expect(response.status).toBe(200);
      await fixture.decisionLog.flush();
      const record = decisionRecordSchema.parse(
        JSON.parse(await readFile(join(directory, "log.jsonl"), "utf8")),
      );
      expect(record.latencyMs).toBe(7);
      const time = Date.parse(record.time);
      expect(time).toBeGreaterThan(base);
      expect(time).toBeLessThanOrEqual(base + 7 * ticks);
    } finally {
      await fixture.close();
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe("serve with an unwritable decision log", () => {
  it("keeps answering and counts the failed writes", async () => {
    const fixture = await createServeFixture({
      logPath: join(tmpdir(), "no-such-dir-serve", "deep", "log.jsonl"),
    });
    try {
      const response = await fixture.app.request("/v1/chat/completions", {
        method: "POST",
        body: chatBody("tickets", fixture.ssmText),
      });
      expect(response.status).toBe(200);
      await fixture.decisionLog.flush();
      const metrics = await (await fixture.app.request("/metrics")).text();
      expect(metrics).toMatch(/^easy_adapt_decision_log_errors_total 1$/m);
    } finally {
      await fixture.close();
    }
  });
});
