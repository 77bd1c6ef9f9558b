import { parseLabel } from "../large-models/parse-label.js";
import { DataError } from "../spec/errors/data-error.js";
import type { Task } from "../spec/task.js";
import { parseDecisionLine } from "./decision-line.js";
import { decisionLogLines } from "./decision-log-lines.js";
import type { LearnedAnswer } from "./refresh-adapter.js";

/** What `readDecisionLogAnswers` found in the decision logs. */
export interface LoggedAnswers {
  /** The inputs the LLM answered, in log order (duplicates kept: `refreshAdapter` deduplicates). */
  answers: LearnedAnswer[];
  /** Decision lines read. */
  lines: number;
  /** Lines without the input's text (logged without --log-inputs): not usable. */
  withoutInput: number;
  /** Lines with their input but no LLM answer (answered by the small model, or the LLM failed or was cut off). */
  withoutAnswer: number;
  /** What was left out or is worth knowing, one sentence per note naming its file (the CLI prints them on stderr). */
  notes: string[];
}

/**
 * Reads the decision logs written by `serve --log FILE --log-inputs` and keeps every logged input
 * with an LLM answer: the line's `lmAnswer` (the LLM's reply, read as the probe reads it), or its
 * label where the route is `lm` and no reply was kept. Refuses, naming the file and the line, a
 * line that is not a decision, or one logged by an adapter of another task than `task`; refuses a log
 * more than half of whose LLM answers are not labels of `task` (another task of the same name). Lines
 * without their input (written without --log-inputs) are left out and counted in a note per log;
 * an empty log is noted; when no line of any log holds its input, refuses, saying what to do.
 */
export async function readDecisionLogAnswers(
  files: readonly string[],
  task: Pick<Task, "name" | "labels">,
): Promise<LoggedAnswers> {
  const found: LoggedAnswers = { answers: [], lines: 0, withoutInput: 0, withoutAnswer: 0, notes: [] };
  for (const file of files) {
    const before = { lines: found.lines, withoutInput: found.withoutInput, answers: found.answers.length };
    await readOneLog(file, task.name, found);
    refuseAnswersOfAnotherTask(file, found.answers.slice(before.answers), task);
    const lines = found.lines - before.lines;
    const withoutInput = found.withoutInput - before.withoutInput;
    if (lines === 0) found.notes.push(`${file}: the log holds no decision line: nothing learnt from it`);
    else if (withoutInput > 0)
      found.notes.push(
        `${file}: ${withoutInput} of ${lines} lines hold no input text (logged without --log-inputs): left out`,
      );
  }
  if (found.lines > 0 && found.withoutInput === found.lines) {
    throw new DataError(
      "no line of the logs holds its input's text: the server logged without --log-inputs (a hash of each input only), " +
        "so nothing can be learnt from them; restart serve with --log FILE --log-inputs and refresh from that log",
      { file: files.join(", ") },
    );
  }
  return found;
}

/**
 * Refuses, naming the file and a few of the unknown answers, a log more than half of whose LLM
 * answers are not a label of the task (read leniently, as the probe reads them): a log of another
 * task's adapter that happens to bear the same task name. Fewer are dropped and counted later.
 */
function refuseAnswersOfAnotherTask(
  file: string,
  answers: readonly LearnedAnswer[],
  task: Pick<Task, "name" | "labels">,
): void {
  const unknown = answers.filter(({ answer }) => !parseLabel(answer, task.labels).success);
  if (unknown.length * 2 <= answers.length) return;
  const examples = [...new Set(unknown.map(({ answer }) => JSON.stringify(answer.slice(0, 40))))].slice(0, 3);
  throw new DataError(
    `${unknown.length} of the log's ${answers.length} LLM answers are not a label of task "${task.name}" ` +
      `(e.g. ${examples.join(", ")}; its labels: ${task.labels.slice(0, 5).join(", ")}${task.labels.length > 5 ? ", …" : ""}): ` +
      "a log of another task's adapter; give only the logs of servers that served this task's adapter",
    { file },
  );
}

/** Adds one log file's lines (plain or gzip-compressed) to `found`. */
async function readOneLog(file: string, taskName: string, found: LoggedAnswers): Promise<void> {
  for await (const { text, number: lineNumber, terminated } of decisionLogLines(file)) {
    if (text.trim() === "") continue;
    if (!terminated && !isJson(text)) {
      // The server was stopped while writing its last line: what it wrote before is whole.
      found.notes.push(
        `${file}: line ${lineNumber}, the last, is cut short (not JSON, no line break after it: the server stopped mid-write): skipped`,
      );
      continue;
    }
    const line = parseDecisionLine(text, file, lineNumber);
    found.lines += 1;
    if (line.task !== undefined && line.task !== taskName) {
      throw new DataError(
        `line ${lineNumber} was logged by an adapter of task "${line.task}", not of "${taskName}" (the adapter refreshed): ` +
          "give only the logs of servers that served this task's adapter",
        { file },
      );
    }
    if (line.input === undefined) {
      found.withoutInput += 1;
      continue;
    }
    const answer =
      line.cutOff === undefined
        ? (line.lmAnswer ?? (line.route === "lm" ? line.label : undefined))
        : undefined;
    if (answer === undefined) found.withoutAnswer += 1;
    else found.answers.push({ text: line.input, answer });
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
