import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adapt } from "../../src/adapt/adapt.js";
import { createOpenAICompatibleModel } from "../../src/large-models/openai-compatible-model.js";
import { type ReplayServer, startReplayServer } from "../../src/replay/replay-server.js";
import { runCli } from "../support/run-cli.js";
import { type TeacherRow, teacherRows, ticketTask } from "../support/teacher-data.js";

// What refresh tells of the decision logs it reads: notes on stderr, refusals naming the file.
const first = teacherRows(200, 31, "a");
const logged = teacherRows(60, 32, "b");
let replay: ReplayServer;
let folder: string;
let adapterDir: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "refresh-log-cli-"));
  replay = await startReplayServer({ answers: first.map((row) => ({ text: row.text, answer: row.answer })) });
  const largeModel = createOpenAICompatibleModel({ baseUrl: replay.url, model: "replay", timeoutMs: 10_000 });
  const unlabelled = (rows: readonly TeacherRow[]) => rows.map((row) => ({ text: row.text, columns: {} }));
  const built = await adapt({
    task: ticketTask,
    trainRows: unlabelled(first.slice(0, 100)),
    calibRows: unlabelled(first.slice(100)),
    largeModel,
  });
  adapterDir = join(folder, "v1");
  await built.save(adapterDir);
}, 30_000);
afterAll(async () => {
  await replay.close();
  await rm(folder, { recursive: true, force: true });
});

/** One decision-log line as serve --log --log-inputs writes it. */
const decision = (fields: Record<string, unknown>) =>
  JSON.stringify({ task: "tickets", inputSha256: "00", route: "lm", confidence: 1, ...fields });

const answered = (rows: readonly TeacherRow[]) =>
  rows.map((row) => decision({ input: row.text, label: row.answer, lmAnswer: row.answer }));

async function writeLog(name: string, content: string): Promise<string> {
  const path = join(folder, name);
  await writeFile(path, content);
  return path;
}

const refresh = (logs: readonly string[], out: string, extra: readonly string[] = []) =>
  runCli(["refresh", "--adapter", adapterDir, "--log", ...logs, "--out", join(folder, out), ...extra]);

describe("refresh reading decision logs", () => {
  it("learns from what the logs hold, with a note naming each left out: a cut-short last line, lines without input texts, an empty log", async () => {
    const lines = answered(logged);
    const killed = await writeLog("killed.jsonl", `${lines.join("\n")}\n${lines[0]?.slice(0, 30)}`);
    const hashes = await writeLog(
      "hashes.jsonl",
      `${logged.map((row) => decision({ label: row.answer, lmAnswer: row.answer })).join("\n")}\n`,
    );
    const empty = await writeLog("empty.jsonl", "");
    const result = await refresh([hashes, empty, killed], "learnt");
    expect(result.stderr).toContain(
      `note: ${hashes}: ${logged.length} of ${logged.length} lines hold no input text (logged without --log-inputs): left out\n`,
    );
    expect(result.stderr).toContain(
      `note: ${empty}: the log holds no decision line: nothing learnt from it\n`,
    );
    expect(result.stderr).toContain(`note: ${killed}: line ${lines.length + 1}, the last, is cut short`);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`${logged.length} LLM answers from the logs`);
  }, 30_000);

  it("refuses logs none of whose lines holds its input, and (exit 2) logs with no LLM answer when no gold or train rows are given", async () => {
    const hashes = join(folder, "hashes.jsonl");
    const refused = await refresh([hashes], "hashes-only");
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`${hashes}: no line of the logs holds its input's text`);
    expect(refused.stderr).toContain("restart serve with --log FILE --log-inputs");
    const ssmOnly = await writeLog(
      "ssm-only.jsonl",
      `${logged.map((row) => decision({ input: row.text, route: "ssm", label: row.answer })).join("\n")}\n`,
    );
    const nothing = await refresh([join(folder, "empty.jsonl"), ssmOnly], "nothing-new");
    expect(nothing.stderr).toContain("easy-adapt: nothing new to learn from: the logs hold no LLM answer");
    expect(nothing.status).toBe(2);
  }, 30_000);

  it("refuses a log of another task with the same task name, naming the file and unknown labels", async () => {
    const intents = ["card_arrival", "exchange_rate", "top_up_failed"];
    const banking = await writeLog(
      "banking.jsonl",
      `${logged.map((row, index) => decision({ input: row.text, label: intents[index % 3], lmAnswer: intents[index % 3] })).join("\n")}\n`,
    );
    const refused = await refresh([banking], "never-banking");
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(
      `${banking}: ${logged.length} of the log's ${logged.length} LLM answers are not a label of task "tickets" (e.g. "card_arrival", "exchange_rate", "top_up_failed"`,
    );
  }, 30_000);

  it("says that an --adapter folder does not exist, or is a file", async () => {
    const log = await writeLog("one.jsonl", `${answered(logged).join("\n")}\n`);
    const missing = join(folder, "nope");
    const refused = await runCli(["refresh", "--adapter", missing, "--log", log, "--out", join(folder, "x")]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toBe(
      `easy-adapt: ${missing}: no such adapter folder: the folder does not exist\n`,
    );
    const file = await runCli(["refresh", "--adapter", log, "--log", log, "--out", join(folder, "x")]);
    expect(file.stderr).toBe(
      `easy-adapt: ${log}: not an adapter folder: it is a file (give the folder adapt wrote)\n`,
    );
  }, 30_000);

  // Last: it replaces the adapter the other tests refresh from.
  it("makes the rows learnt from add up (duplicates counted) and says when --out replaced the adapter", async () => {
    // 30 texts the old adapter already kept (answered anew) and 60 new ones.
    const log = await writeLog(
      "overlap.jsonl",
      `${answered([...first.slice(0, 30), ...logged]).join("\n")}\n`,
    );
    const result = await runCli(["refresh", "--adapter", adapterDir, "--log", log, "--out", adapterDir]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(
      `adapter written to ${adapterDir} (replacing the adapter it was refreshed from)\n`,
    );
    expect(result.stdout).toContain(
      "rows learnt from: 260 (90 LLM answers from the logs, 200 rows kept by the old adapter, 0 gold rows, " +
        "less 30 duplicates (texts already kept: one row each, the newer answer winning))\n",
    );
  }, 30_000);
});
