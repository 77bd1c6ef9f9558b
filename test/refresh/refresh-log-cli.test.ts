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
  it("skips a last line cut short by a killed server, with a note naming the file and the line", async () => {
    const lines = answered(logged);
    const log = await writeLog("killed.jsonl", `${lines.join("\n")}\n${lines[0]?.slice(0, 30)}`);
    const result = await refresh([log], "after-kill");
    expect(result.stderr).toContain(`note: ${log}: line ${lines.length + 1}, the last, is cut short`);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`${logged.length} LLM answers from the logs`);
  }, 30_000);

  it("learns from the logs with input texts when another log has none, counting those lines in a note", async () => {
    const hashes = await writeLog(
      "hashes.jsonl",
      `${logged.map((row) => decision({ label: row.answer, lmAnswer: row.answer })).join("\n")}\n`,
    );
    const inputs = await writeLog("inputs.jsonl", `${answered(logged).join("\n")}\n`);
    const result = await refresh([hashes, inputs], "mixed-logs");
    expect(result.stderr).toContain(
      `note: ${hashes}: ${logged.length} of ${logged.length} lines hold no input text (logged without --log-inputs): left out`,
    );
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`${logged.length} LLM answers from the logs`);
    const refused = await refresh([hashes], "hashes-only");
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`${hashes}: no line of the logs holds its input's text`);
    expect(refused.stderr).toContain("restart serve with --log FILE --log-inputs");
  }, 30_000);

  it("notes an empty log, and refuses (exit 2) when the logs give no LLM answer and no gold or train rows are given", async () => {
    const empty = await writeLog("empty.jsonl", "");
    const ssmOnly = await writeLog(
      "ssm-only.jsonl",
      `${logged.map((row) => decision({ input: row.text, route: "ssm", label: row.answer })).join("\n")}\n`,
    );
    const refused = await refresh([empty, ssmOnly], "nothing-new");
    expect(refused.stderr).toContain(
      `note: ${empty}: the log holds no decision line: nothing learnt from it`,
    );
    expect(refused.stderr).toContain("easy-adapt: nothing new to learn from: the logs hold no LLM answer");
    expect(refused.status).toBe(2);
    const inputs = await writeLog("inputs-again.jsonl", `${answered(logged).join("\n")}\n`);
    const result = await refresh([empty, inputs], "empty-and-full");
    expect(result.stderr).toContain(`note: ${empty}: the log holds no decision line`);
    expect(result.status).toBe(0);
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
});
