import type { LoggedAnswers } from "../refresh/decision-log-answers.js";
import { UsageError } from "../spec/errors/usage-error.js";

/**
 * Prints on stderr what reading the decision logs left out or found empty (one `note:` line each,
 * naming its file); refuses (exit 2) a refresh with nothing new to learn from: no LLM answer in any
 * log, and no --gold or --train rows.
 */
export function reportLoggedAnswers(logged: LoggedAnswers, otherRows: boolean): void {
  for (const note of logged.notes) process.stderr.write(`note: ${note}\n`);
  if (logged.answers.length === 0 && !otherRows) {
    throw new UsageError(
      `nothing new to learn from: the logs hold no LLM answer (${logged.lines} decision lines, ` +
        `${logged.withoutAnswer} answered by the small model, failed or cut off) and no --gold or --train rows were given`,
    );
  }
}
