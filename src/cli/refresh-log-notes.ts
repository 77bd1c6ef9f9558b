import type { LoggedAnswers } from "../refresh/decision-log-answers.js";

/**
 * Prints on stderr what reading the decision logs left out (one `note:` line each, naming its file),
 * and how many lines held no input text.
 */
export function reportLoggedAnswers(logged: LoggedAnswers, _otherRows: boolean): void {
  for (const note of logged.notes) process.stderr.write(`note: ${note}\n`);
  if (logged.withoutInput > 0)
    process.stderr.write(
      `note: ${logged.withoutInput} of ${logged.lines} log lines hold no input text (logged without --log-inputs): left out\n`,
    );
}
