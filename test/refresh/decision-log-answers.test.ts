import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDecisionLogAnswers } from "../../src/refresh/decision-log-answers.js";

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "decision-log-answers-"));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

const tickets = { name: "tickets", labels: ["billing", "shipping", "account"] };

const line = (fields: Record<string, unknown>) =>
  JSON.stringify({
    time: "t",
    endpoint: "classify",
    task: "tickets",
    inputSha256: "ab",
    confidence: 1,
    ...fields,
  });

async function logFile(name: string, lines: readonly string[]): Promise<string> {
  const path = join(folder, name);
  await writeFile(path, `${lines.join("\n")}\n`);
  return path;
}

describe("readDecisionLogAnswers", () => {
  it("keeps the inputs the LLM answered: its reply, else the label of an lm-routed line", async () => {
    const path = await logFile("mixed.jsonl", [
      line({ input: "a", route: "lm", label: "billing", lmAnswer: "Shipping" }),
      line({ input: "b", route: "lm", label: "account" }),
      line({ input: "c", route: "ssm", label: "billing" }),
      line({ input: "d", route: "fallback", label: "billing", fallbackReason: "lm-timeout" }),
      line({ input: "e", route: "lm", label: "billing", lmAnswer: "billing", cutOff: "shutdown" }),
      line({ route: "lm", label: "billing", lmAnswer: "billing" }),
      "",
    ]);
    const found = await readDecisionLogAnswers([path], tickets);
    expect(found.answers).toEqual([
      { text: "a", answer: "Shipping" },
      { text: "b", answer: "account" },
    ]);
    expect(found).toMatchObject({ lines: 6, withoutInput: 1, withoutAnswer: 3 });
  });

  it("leaves out the lines without their input, a note per log; refuses logs none of whose lines holds one", async () => {
    const path = await logFile("hashes.jsonl", [
      line({ route: "lm", label: "billing", lmAnswer: "billing" }),
      line({ route: "lm", label: "account", lmAnswer: "account" }),
    ]);
    const other = await logFile("hashes-too.jsonl", [line({ route: "lm", label: "billing" })]);
    await expect(readDecisionLogAnswers([path, other], tickets)).rejects.toThrow(
      `${path}, ${other}: no line of the logs holds its input's text: the server logged without --log-inputs`,
    );
    const inputs = await logFile("inputs.jsonl", [
      line({ input: "a", route: "lm", label: "billing" }),
      line({ route: "lm", label: "billing" }),
    ]);
    const found = await readDecisionLogAnswers([path, inputs], tickets);
    expect(found.answers).toEqual([{ text: "a", answer: "billing" }]);
    expect(found).toMatchObject({ lines: 4, withoutInput: 3 });
    expect(found.notes).toEqual([
      `${path}: 2 of 2 lines hold no input text (logged without --log-inputs): left out`,
      `${inputs}: 1 of 2 lines hold no input text (logged without --log-inputs): left out`,
    ]);
  });

  it("refuses a line that is not a decision, naming the file and the line", async () => {
    const path = await logFile("broken.jsonl", [
      line({ input: "a", route: "lm", label: "billing" }),
      "{not json",
    ]);
    await expect(readDecisionLogAnswers([path], tickets)).rejects.toThrow(`${path}: line 2 is not JSON`);
    const other = await logFile("other.jsonl", [JSON.stringify({ hello: 1 })]);
    await expect(readDecisionLogAnswers([other], tickets)).rejects.toThrow(
      `${other}: line 1 is not a decision (no inputSha256; no route; no label)`,
    );
    // Which field is wrong, and how.
    const wrong = await logFile("wrong-field.jsonl", [
      line({ input: "a", route: "lm", label: "billing", lmAnswer: "billing" }),
      line({ input: "b", route: "lm", label: "billing", lmAnswer: 42 }),
    ]);
    await expect(readDecisionLogAnswers([wrong], tickets)).rejects.toThrow(
      `${wrong}: line 2 is not a decision (lmAnswer is a number, not a string)`,
    );
    const route = await logFile("wrong-route.jsonl", [line({ route: "llm", label: "billing", input: null })]);
    await expect(readDecisionLogAnswers([route], tickets)).rejects.toThrow(
      `${route}: line 1 is not a decision (route "llm" is not ssm, lm or fallback; input is null, not a string)`,
    );
    const array = await logFile("array.jsonl", ["[1, 2]"]);
    await expect(readDecisionLogAnswers([array], tickets)).rejects.toThrow(
      `${array}: line 1 is not a decision (not a JSON object)`,
    );
    await expect(readDecisionLogAnswers([join(folder, "missing.jsonl")], tickets)).rejects.toThrow(
      "cannot read the decision log (ENOENT)",
    );
  });

  it("reads a gzip-compressed log (told by its first bytes, whatever its name), across gzip members", async () => {
    const lines = [
      line({ input: "a", route: "lm", label: "billing", lmAnswer: "billing" }),
      line({ input: "b", route: "lm", label: "account" }),
    ];
    // logrotate's `compress`: FILE.1.gz; one member per line, as `cat a.gz b.gz` would give.
    const named = join(folder, "rotated.jsonl.1.gz");
    await writeFile(named, Buffer.concat(lines.map((text) => gzipSync(`${text}\n`))));
    const unnamed = join(folder, "rotated-no-suffix.jsonl");
    await writeFile(unnamed, gzipSync(`${lines.join("\n")}\r\n`));
    for (const path of [named, unnamed]) {
      const found = await readDecisionLogAnswers([path], tickets);
      expect(found.answers).toEqual([
        { text: "a", answer: "billing" },
        { text: "b", answer: "account" },
      ]);
    }
    const cut = join(folder, "cut.jsonl.gz");
    const whole = gzipSync(`${lines.join("\n")}\n`);
    await writeFile(cut, whole.subarray(0, whole.length - 12));
    await expect(readDecisionLogAnswers([cut], tickets)).rejects.toThrow(
      `${cut}: cannot decompress the gzip-compressed decision log`,
    );
  });

  it("skips a cut-short last line (no line break, not JSON) with a note; a bad line before it stays an error", async () => {
    const whole = line({ input: "a", route: "lm", label: "billing" });
    const cut = join(folder, "killed.jsonl");
    await writeFile(cut, `${whole}\n${whole.replace('"a"', '"b"')}\n${whole.slice(0, 25)}`);
    const found = await readDecisionLogAnswers([cut], tickets);
    expect(found.answers).toEqual([
      { text: "a", answer: "billing" },
      { text: "b", answer: "billing" },
    ]);
    expect(found.lines).toBe(2);
    expect(found.notes).toEqual([
      `${cut}: line 3, the last, is cut short (not JSON, no line break after it: the server stopped mid-write): skipped`,
    ]);
    // A whole last line without a line break is read; a bad line in the middle is refused.
    const unterminated = join(folder, "unterminated.jsonl");
    await writeFile(unterminated, `${whole}\n${whole}`);
    expect((await readDecisionLogAnswers([unterminated], tickets)).answers).toHaveLength(2);
    const middle = join(folder, "middle.jsonl");
    await writeFile(middle, `${whole}\n${whole.slice(0, 25)}\n${whole}`);
    await expect(readDecisionLogAnswers([middle], tickets)).rejects.toThrow(`${middle}: line 2 is not JSON`);
  });

  it("notes an empty log", async () => {
    const empty = await logFile("empty.jsonl", []);
    const found = await readDecisionLogAnswers([empty], tickets);
    expect(found).toMatchObject({ answers: [], lines: 0 });
    expect(found.notes).toEqual([`${empty}: the log holds no decision line: nothing learnt from it`]);
  });

  it("refuses a log more than half of whose answers are not labels of the task, naming a few of them", async () => {
    const banking = ["card_arrival", "top_up_failed", "card_arrival", "billing"];
    const other = await logFile(
      "banking.jsonl",
      banking.map((answer, index) =>
        line({ input: `q${index}`, route: "lm", label: answer, lmAnswer: answer }),
      ),
    );
    await expect(readDecisionLogAnswers([other], tickets)).rejects.toThrow(
      `${other}: 3 of the log's 4 LLM answers are not a label of task "tickets" (e.g. "card_arrival", "top_up_failed"; ` +
        "its labels: billing, shipping, account): a log of another task's adapter",
    );
    // Half or fewer: kept, the unknown ones dropped and counted when the rows are merged.
    const some = await logFile(
      "some-unknown.jsonl",
      ["billing", "Shipping.", "card_arrival", "account"].map((answer, index) =>
        line({ input: `q${index}`, route: "lm", label: "billing", lmAnswer: answer }),
      ),
    );
    expect((await readDecisionLogAnswers([some], tickets)).answers).toHaveLength(4);
  });
});
