import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adapt } from "../../src/adapt/adapt.js";
import { loadAdapterArtifact, loadTrainingRows } from "../../src/adapter/adapter-artifact.js";
import { loadAdapter } from "../../src/adapter/load-adapter.js";
import { writeCsvFile } from "../../src/data/write-csv.js";
import { createOpenAICompatibleModel } from "../../src/large-models/openai-compatible-model.js";
import { type ReplayServer, startReplayServer } from "../../src/replay/replay-server.js";
import { startServe } from "../../src/serve/start-serve.js";
import { runCli } from "../support/run-cli.js";
import { teacherRows, ticketTask } from "../support/teacher-data.js";

const first = teacherRows(240, 5, "a");
const later = teacherRows(500, 6, "b");
let replay: ReplayServer;
let folder: string;
let lmFlags: string[];

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "refresh-cli-"));
  replay = await startReplayServer({
    answers: [...first, ...later].map((row) => ({ text: row.text, answer: row.answer })),
  });
  lmFlags = ["--lm-base-url", replay.url, "--lm-model", "replay", "--no-cache"];
  await writeFile(join(folder, "task.json"), JSON.stringify(ticketTask));
  // No label column at all: the LLM's answers are the teacher.
  const unlabelled = (rows: typeof first) => rows.map((row) => ({ text: row.text }));
  await writeCsvFile(join(folder, "train.csv"), ["text"], unlabelled(first.slice(0, 120)));
  await writeCsvFile(join(folder, "calib.csv"), ["text"], unlabelled(first.slice(120)));
});
afterAll(async () => {
  await replay.close();
  await rm(folder, { recursive: true, force: true });
});

/** Serves the adapter in `adapterDir` with `--log-inputs` and sends every text once; the log's path. */
async function serveAndLog(adapterDir: string, texts: readonly string[]): Promise<string> {
  const logPath = join(folder, "decisions.jsonl");
  const largeModel = createOpenAICompatibleModel({ baseUrl: replay.url, model: "replay", timeoutMs: 10_000 });
  const adapter = await loadAdapter(adapterDir, { largeModel });
  const serve = await startServe({ adapter, logPath, logInputs: true });
  try {
    for (let start = 0; start < texts.length; start += 50) {
      const response = await fetch(`${serve.url}/v1/classify`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "tickets", inputs: texts.slice(start, start + 50) }),
      });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }
  } finally {
    await serve.close();
    await adapter.close();
  }
  return logPath;
}

describe("easy-adapt refresh", () => {
  it("turns a serve --log-inputs log into an adapter that sends fewer inputs to the LLM; the old folder untouched", async () => {
    const oldDir = join(folder, "v1");
    const largeModel = createOpenAICompatibleModel({
      baseUrl: replay.url,
      model: "replay",
      timeoutMs: 10_000,
    });
    const unlabelled = (rows: typeof first) => rows.map((row) => ({ text: row.text, columns: {} }));
    const built = await adapt({
      task: ticketTask,
      trainRows: unlabelled(first.slice(0, 120)),
      calibRows: unlabelled(first.slice(120)),
      largeModel,
    });
    await built.save(oldDir);
    const logPath = await serveAndLog(
      oldDir,
      later.map((row) => row.text),
    );
    const manifest = await readFile(join(oldDir, "manifest.json"), "utf8");

    const refreshed = await runCli([
      "refresh",
      "--adapter",
      oldDir,
      "--log",
      logPath,
      "--out",
      join(folder, "v2"),
    ]);
    expect(refreshed.status).toBe(0);
    expect(refreshed.stdout).toContain("rows learnt from: 740 (500 LLM answers from the logs, 240 rows kept");
    expect(refreshed.stdout).toMatch(/LLM share\s+100\.00%\s+\d+\.\d+%/);
    expect(refreshed.stdout).toContain("operating point chosen by agreement with the LLM");
    const json = await runCli(["refresh", "--adapter", oldDir, "--log", logPath, "--out", oldDir, "--json"]);
    expect(json.status).toBe(0);
    const result = JSON.parse(json.stdout);
    expect(result.rows).toMatchObject({ answers: 500, oldTraining: 240, gold: 0, dropped: 0 });
    expect(result.after.lmShare).toBeLessThan(result.before.lmShare - 0.3);
    expect(result.after.agreement).toBeGreaterThan(0.95);
    // --out onto the adapter itself: replaced whole (a new manifest), and it loads.
    expect(await readFile(join(oldDir, "manifest.json"), "utf8")).not.toBe(manifest);
    const reloaded = await loadAdapterArtifact(oldDir);
    expect(reloaded.description.operatingPoint.lmShare).toBeCloseTo(result.after.lmShare, 10);
  }, 60_000);

  it("refuses a log of another task, naming the file and the line, and writes nothing", async () => {
    const logPath = join(folder, "other-task.jsonl");
    const line = (task: string) =>
      JSON.stringify({
        task,
        inputSha256: "00",
        input: "hello",
        route: "lm",
        label: "billing",
        lmAnswer: "billing",
      });
    await writeFile(logPath, `${line("tickets")}\n${line("sentiment")}\n`);
    const out = join(folder, "never");
    const refused = await runCli([
      "refresh",
      "--adapter",
      join(folder, "v1"),
      "--log",
      logPath,
      "--out",
      out,
    ]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(
      `${logPath}: line 2 was logged by an adapter of task "sentiment", not of "tickets"`,
    );
    expect(refused.stderr).not.toMatch(/\n\s+at /);
  }, 30_000);

  it("keeps no training rows with --no-keep-rows", async () => {
    const out = join(folder, "no-rows");
    const adapted = await runCli([
      "adapt",
      ...["--task", join(folder, "task.json"), "--train", join(folder, "train.csv")],
      ...["--calib", join(folder, "calib.csv"), "--out", out, "--no-keep-rows", "--json", ...lmFlags],
    ]);
    expect(adapted.stderr).not.toContain("note:");
    expect(adapted.status).toBe(0);
    expect(JSON.parse(adapted.stdout)).toMatchObject({
      criterion: { kind: "max-disagreement", maxDisagreement: 0.02 },
      reference: "lm",
      probe: { asked: 240 },
    });
    expect(await readdir(out)).not.toContain("training-rows.jsonl.gz");
    expect(await loadTrainingRows(out)).toBeUndefined();
  }, 30_000);
});
