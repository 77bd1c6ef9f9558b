import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adapt } from "../../src/adapt/adapt.js";
import { adaptSummary, formatAdaptSummary } from "../../src/cli/adapt-summary.js";
import { type LargeModelSetup, largeModelFromOptions } from "../../src/cli/lm-options.js";
import { type ReplayServer, startReplayServer } from "../../src/replay/replay-server.js";
import type { DataRow } from "../../src/spec/dataset.js";
import { type TeacherRow, teacherRows, ticketTask } from "../support/teacher-data.js";

const train = teacherRows(200, 21, "tr");
const calib = teacherRows(300, 22, "ca");
const fresh = teacherRows(400, 23, "new");
let replay: ReplayServer;
let setup: LargeModelSetup;

beforeAll(async () => {
  replay = await startReplayServer({
    answers: [...train, ...calib, ...fresh].map((row) => ({ text: row.text, answer: row.answer })),
  });
  setup = largeModelFromOptions({ lmBaseUrl: replay.url, lmModel: "replay", cache: false }, {});
});
afterAll(async () => {
  setup.close();
  await replay.close();
});

const rows = (source: readonly TeacherRow[], labelled: (index: number) => boolean): DataRow[] =>
  source.map((row, index) => ({
    text: row.text,
    columns: {},
    ...(labelled(index) ? { label: row.gold } : {}),
  }));

describe("adapt without gold labels", () => {
  it("learns from the LLM's answers and routes by agreement with them", async () => {
    const result = await adapt({
      task: ticketTask,
      trainRows: rows(train, () => false),
      calibRows: rows(calib, () => false),
      largeModel: setup.model,
    });
    const point = result.description.operatingPoint;
    expect(point).toMatchObject({
      criterion: { kind: "max-disagreement", maxDisagreement: 0.02 },
      reference: "lm",
    });
    // Every row was asked (training rows too) and learnt from: 500 rows, none distilled aside.
    expect(result.probe.asked).toBe(500);
    expect(result.fitted.counts).toMatchObject({ labelled: 500, probedLabelled: 500, distilled: 0 });
    // The LLM's answers are the reference: it "agrees" with itself; its answer is kept as is.
    expect(result.fitted.estimates.lmAlone).toBe(1);
    expect(result.description.gate.ssmWeight).toBe(0);
    expect(point.lmShare).toBeGreaterThan(0.1);
    expect(point.lmShare).toBeLessThan(0.6);
    // On new inputs: the small model answers the clear ones, and agrees with the LLM there.
    const predictions = await Promise.all(fresh.map((row) => result.adapter.predict(row.text)));
    const local = predictions.flatMap((prediction, index) => (prediction.route === "ssm" ? [index] : []));
    expect(local.length / fresh.length).toBeGreaterThan(0.4);
    const agreeing = local.filter((index) => predictions[index]?.label === fresh[index]?.answer).length;
    expect(agreeing / local.length).toBeGreaterThan(0.97);
  }, 30_000);

  it("says in the summary when too few rows leave every input to the LLM", async () => {
    const result = await adapt({
      task: ticketTask,
      trainRows: rows(train.slice(0, 6), () => false),
      calibRows: rows(calib.slice(0, 18), () => false),
      largeModel: setup.model,
    });
    expect(result.description.operatingPoint.lmShare).toBe(1);
    const summary = adaptSummary(result, { train: 6, calib: 18 }, "/tmp/adapter", "24 calls");
    expect(summary.warnings).toEqual([expect.stringContaining("this adapter saves no LLM call yet")]);
    expect(formatAdaptSummary(summary, result.fitted.estimates.rows, false)).toContain(
      "warning: this adapter saves no LLM call yet: it sends every input to the LLM",
    );
  }, 30_000);

  it("holds --max-lm-share on the agreement curve", async () => {
    const result = await adapt({
      task: ticketTask,
      trainRows: rows(train, () => false),
      calibRows: rows(calib, () => false),
      largeModel: setup.model,
      criterion: { kind: "max-lm-share", maxLmShare: 0.1 },
    });
    expect(result.description.operatingPoint.criterion).toEqual({ kind: "max-lm-share", maxLmShare: 0.1 });
    expect(result.description.operatingPoint.lmShare).toBeLessThanOrEqual(0.1);
  }, 30_000);

  it("with a few gold rows, fits the LLM's reliability on them only", async () => {
    // 100 of the 300 calibration rows have a gold label; the LLM is right on about 87% of them.
    const result = await adapt({
      task: ticketTask,
      trainRows: rows(train, () => false),
      calibRows: rows(calib, (index) => index < 100),
      largeModel: setup.model,
    });
    expect(result.description.operatingPoint).toMatchObject({
      criterion: { kind: "max-disagreement" },
      reference: "mixed",
    });
    const goldAccuracy = calib.slice(0, 100).filter((row) => row.answer === row.gold).length / 100;
    expect(goldAccuracy).toBeLessThan(0.93);
    // Over every row (the LLM's own answers included) it would look near perfect.
    expect(result.description.reliability.accuracy).toBeLessThan(0.95);
    expect(Math.abs(result.description.reliability.accuracy - goldAccuracy)).toBeLessThan(0.05);
  }, 30_000);

  it("leaves the gold-label path as it was when every calibration row has a label", async () => {
    const result = await adapt({
      task: ticketTask,
      trainRows: rows(train, () => true),
      calibRows: rows(calib, () => true),
      largeModel: setup.model,
    });
    expect(result.description.operatingPoint.criterion).toEqual({ kind: "default" });
    expect(result.description.operatingPoint.reference).toBeUndefined();
    expect(result.probe.asked).toBe(300);
  }, 30_000);

  it("counts as cache hits only the answers read from the cache, as the LM spend does: a repeated text's shared call and known answers are not", async () => {
    const folder = await mkdtemp(join(tmpdir(), "gold-free-cache-"));
    const cached = largeModelFromOptions(
      { lmBaseUrl: replay.url, lmModel: "replay", cache: join(folder, "answers.sqlite") },
      {},
    );
    try {
      // Each calibration text comes twice in a row: asked twice at the same time, one call for both.
      const result = await adapt({
        task: ticketTask,
        trainRows: rows(train, () => false),
        calibRows: rows(calib, () => false).flatMap((row) => [row, { ...row }]),
        largeModel: cached.model,
        knownAnswers: new Map(calib.slice(0, 10).map((row) => [row.text, row.answer])),
      });
      const stats = cached.stats();
      expect(stats.calls).toBe(490);
      expect(result.probe).toMatchObject({ asked: 780, known: 20 });
      expect(result.probe.shared).toBeGreaterThan(0);
      expect(result.probe.shared).toBe(stats.sharedCalls);
      expect(result.probe.cacheHits).toBe(stats.cacheHits);
      expect(result.probe.cacheHits + (result.probe.shared ?? 0)).toBe(290);
    } finally {
      cached.close();
      await rm(folder, { recursive: true, force: true });
    }
  }, 30_000);
});
