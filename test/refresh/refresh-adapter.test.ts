import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adapt } from "../../src/adapt/adapt.js";
import { loadTrainingRows } from "../../src/adapter/adapter-artifact.js";
import { largeModelFromOptions } from "../../src/cli/lm-options.js";
import { refreshAdapter } from "../../src/refresh/refresh-adapter.js";
import { type ReplayServer, startReplayServer } from "../../src/replay/replay-server.js";
import { teacherRows, ticketTask } from "../support/teacher-data.js";

const first = teacherRows(240, 3, "a");
const later = teacherRows(900, 4, "b");
let replay: ReplayServer;
let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "refresh-adapter-"));
  replay = await startReplayServer({
    answers: [...first, ...later].map((row) => ({ text: row.text, answer: row.answer })),
  });
});
afterAll(async () => {
  await replay.close();
  await rm(folder, { recursive: true, force: true });
});

const unlabelled = (rows: typeof first) => rows.map((row) => ({ text: row.text, columns: {} }));

describe("refreshAdapter", () => {
  it("learns from the LLM's answers: the next adapter sends fewer inputs to the LLM", async () => {
    const setup = largeModelFromOptions({ lmBaseUrl: replay.url, lmModel: "replay", cache: false }, {});
    const built = await adapt({
      task: ticketTask,
      trainRows: unlabelled(first.slice(0, 120)),
      calibRows: unlabelled(first.slice(120)),
      largeModel: setup.model,
    });
    expect(built.description.operatingPoint).toMatchObject({
      criterion: { kind: "max-disagreement", maxDisagreement: 0.02 },
      reference: "lm",
    });
    const oldDir = join(folder, "old");
    await built.save(oldDir);
    const manifestBefore = await readFile(join(oldDir, "manifest.json"), "utf8");
    expect(await loadTrainingRows(oldDir)).toHaveLength(240);

    const refreshed = await refreshAdapter({
      from: { adapterDir: oldDir },
      answers: [...later, later[0]!]
        .map((row) => ({ text: row.text, answer: row.answer }))
        .concat([{ text: "an answer off the label set", answer: "weather" }]),
    });
    expect(refreshed.rows).toEqual({
      answers: 900,
      gold: 0,
      train: 0,
      oldTraining: 240,
      dropped: 1,
      duplicates: 0,
    });
    expect(refreshed.before?.agreement).toBeDefined();
    expect(refreshed.after.lmShare).toBeLessThan(refreshed.before?.lmShare ?? 0);
    expect(refreshed.after.agreement).toBeGreaterThan(0.95);
    await refreshed.result.save(join(folder, "new"));
    expect(await readFile(join(oldDir, "manifest.json"), "utf8")).toBe(manifestBefore);
    setup.close();
  }, 60_000);

  it("starts from a task alone, and uses gold rows for the LLM's reliability (few-gold)", async () => {
    const refreshed = await refreshAdapter({
      from: { task: ticketTask },
      answers: later.map((row) => ({ text: row.text, answer: row.answer })),
      goldRows: later.slice(0, 150).map((row) => ({ text: row.text, label: row.gold, columns: {} })),
    });
    expect(refreshed.before).toBeUndefined();
    // The 150 gold rows' texts are answered too: one row each (gold label and answer).
    expect(refreshed.rows).toEqual({
      answers: 900,
      gold: 150,
      train: 0,
      oldTraining: 0,
      dropped: 0,
      duplicates: 150,
    });
    const point = refreshed.result.description.operatingPoint;
    expect(point).toMatchObject({ criterion: { kind: "max-disagreement" }, reference: "mixed" });
    const goldAccuracy = later.slice(0, 150).filter((row) => row.answer === row.gold).length / 150;
    expect(Math.abs(refreshed.result.description.reliability.accuracy - goldAccuracy)).toBeLessThan(0.05);
    expect(refreshed.after.lmShare).toBeLessThan(0.5);
  }, 60_000);
});
