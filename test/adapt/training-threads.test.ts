import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AdaptOptions, type AdaptResult, adapt } from "../../src/adapt/adapt.js";
import { minTextsForTrainingThreads, trainingWorkerCount } from "../../src/adapt/training-threads.js";
import { type LargeModelSetup, largeModelFromOptions } from "../../src/cli/lm-options.js";
import { type ReplayServer, startReplayServer } from "../../src/replay/replay-server.js";
import { liveNgramTrainingThreads } from "../../src/small-models/ngram-training-threads.js";
import type { DataRow } from "../../src/spec/dataset.js";
import { UsageError } from "../../src/spec/errors/usage-error.js";
import { type TeacherRow, teacherRows, ticketTask } from "../support/teacher-data.js";

const train = teacherRows(300, 31, "tr");
const calib = teacherRows(200, 32, "ca");
let replay: ReplayServer;
let setup: LargeModelSetup;
let folder: string;

beforeAll(async () => {
  replay = await startReplayServer({
    answers: [...train, ...calib].map((row) => ({ text: row.text, answer: row.answer })),
  });
  setup = largeModelFromOptions({ lmBaseUrl: replay.url, lmModel: "replay", cache: false }, {});
  folder = await mkdtemp(join(tmpdir(), "training-threads-"));
});
afterAll(async () => {
  setup.close();
  await replay.close();
  await rm(folder, { recursive: true, force: true });
});

/** Gold rows (a third of the training rows without a label: learnt from the LLM's answer). */
const rows = (source: readonly TeacherRow[], unlabelled: (index: number) => boolean): DataRow[] =>
  source.map((row, index) => ({
    text: row.text,
    columns: {},
    ...(unlabelled(index) ? {} : { label: row.gold }),
  }));

const adaptWith = (options: Partial<AdaptOptions>) =>
  adapt({
    task: ticketTask,
    trainRows: rows(train, (index) => index % 3 === 0),
    calibRows: rows(calib, () => false),
    largeModel: setup.model,
    probeTrain: true,
    complementStrengths: [0.25, 1],
    ...options,
  });

/** Every file of the saved adapter, adapter.json without its creation time and manifest.json without its checksum of it. */
async function savedFiles(result: AdaptResult, name: string): Promise<Record<string, string>> {
  const directory = join(folder, name);
  await result.save(directory);
  const files: Record<string, string> = {};
  for (const file of (await readdir(directory)).sort()) {
    const bytes = await readFile(join(directory, file));
    files[file] = file.endsWith(".bin") ? bytes.toString("base64") : bytes.toString("utf8");
  }
  files["adapter.json"] = (files["adapter.json"] ?? "").replace(/"createdAt":\s*"[^"]*"/, "");
  delete files["manifest.json"];
  return files;
}

describe("adapt's training threads", () => {
  it("fits the same adapter, byte for byte, on two threads as on one", async () => {
    const one = await adaptWith({ trainingThreads: 1 });
    const two = await adaptWith({ trainingThreads: 2 });
    expect(one.timings.trainingThreads).toBe(1);
    expect(two.timings.trainingThreads).toBe(2);
    expect(liveNgramTrainingThreads()).toBe(0);
    const { fitted: a } = one;
    const { fitted: b } = two;
    expect(b.candidates).toEqual(a.candidates);
    expect(b.outOfFold).toEqual(a.outOfFold);
    expect(b.curve).toEqual(a.curve);
    expect(b.estimates).toEqual(a.estimates);
    expect(b.temperature).toBe(a.temperature);
    expect(b.ssms.map((model) => model.toJSON())).toEqual(a.ssms.map((model) => model.toJSON()));
    expect(two.calibration).toEqual(one.calibration);
    expect({ ...two.description, createdAt: "" }).toEqual({ ...one.description, createdAt: "" });
    expect(await savedFiles(two, "two")).toEqual(await savedFiles(one, "one"));
  }, 60_000);

  it("stops the training threads when the signal aborts during cross-fitting", async () => {
    const controller = new AbortController();
    let threadsWhenAborted = -1;
    const outcome = adaptWith({
      trainingThreads: 3,
      signal: controller.signal,
      onProgress: (event) => {
        if (event.stage !== "train SSMs" || controller.signal.aborted) return;
        threadsWhenAborted = liveNgramTrainingThreads();
        controller.abort(new Error("stopped during cross-fitting"));
      },
    });
    await expect(outcome).rejects.toThrow("stopped during cross-fitting");
    expect(threadsWhenAborted).toBe(2);
    expect(liveNgramTrainingThreads()).toBe(0);
  }, 60_000);
});

describe("trainingWorkerCount", () => {
  it("starts up to one thread per fold on request, none for 1", () => {
    expect(trainingWorkerCount(1, 5, 10)).toBe(0);
    expect(trainingWorkerCount(2, 5, 10)).toBe(1);
    expect(trainingWorkerCount(8, 5, 10)).toBe(4);
    expect(trainingWorkerCount(8, 3, 10)).toBe(2);
    expect(() => trainingWorkerCount(0, 5, 10)).toThrow(UsageError);
    expect(() => trainingWorkerCount(1.5, 5, 10)).toThrow(UsageError);
  });

  it("by default trains small sets on the calling thread, larger ones on at most 3 more", () => {
    expect(trainingWorkerCount(undefined, 5, minTextsForTrainingThreads - 1)).toBe(0);
    const workers = trainingWorkerCount(undefined, 5, minTextsForTrainingThreads);
    expect(workers).toBeGreaterThanOrEqual(0);
    expect(workers).toBeLessThanOrEqual(3);
    expect(trainingWorkerCount(undefined, 2, minTextsForTrainingThreads)).toBeLessThanOrEqual(1);
  });
});
