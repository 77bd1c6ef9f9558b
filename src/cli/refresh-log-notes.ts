import type { LoggedAnswers } from "../refresh/decision-log-answers.js";

/** Prints on stderr what reading the decision logs left out (one `note:` line each, naming its file). */
export function reportLoggedAnswers(logged: LoggedAnswers, _otherRows: boolean): void {
  for (const note of logged.notes) process.stderr.write(`note: ${note}\n`);
}
