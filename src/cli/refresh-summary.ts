import type { OperatingCriterion, OperatingReference } from "../adapter/operating-criterion.js";
import type { LoggedAnswers } from "../refresh/decision-log-answers.js";
import type { RefreshEstimate, RefreshResult } from "../refresh/refresh-adapter.js";
import { criterionWords, referenceWords } from "./criterion-words.js";

/** What `easy-adapt refresh` reports (its --json output, key for key). */
export interface RefreshSummary {
  adapter: string;
  from: string;
  /** Decision-log lines read, and those left out (no input text; no LLM answer). */
  log: { lines: number; withoutInput: number; withoutAnswer: number };
  /** Rows learnt from: LLM answers kept (deduplicated), gold rows, the old adapter's rows, answers dropped, and in all. */
  rows: RefreshResult["rows"] & { learntFrom: number };
  criterion: OperatingCriterion;
  reference: OperatingReference;
  before?: RefreshEstimate;
  after: RefreshEstimate;
  seconds: number;
}

/** The summary of one refresh. */
export function refreshSummary(
  refreshed: RefreshResult,
  logged: LoggedAnswers,
  where: { from: string; adapter: string; seconds: number },
): RefreshSummary {
  const { counts, operatingPoint } = refreshed.result.fitted;
  return {
    adapter: where.adapter,
    from: where.from,
    log: { lines: logged.lines, withoutInput: logged.withoutInput, withoutAnswer: logged.withoutAnswer },
    rows: { ...refreshed.rows, learntFrom: counts.labelled + counts.distilled },
    criterion: operatingPoint.criterion,
    reference: operatingPoint.reference ?? "gold",
    ...(refreshed.before === undefined ? {} : { before: refreshed.before }),
    after: refreshed.after,
    seconds: Math.round(where.seconds * 100) / 100,
  };
}

/** The summary as the lines `refresh` prints (with a final newline). */
export function formatRefreshSummary(summary: RefreshSummary): string {
  const percent = (value: number | undefined) => (value === undefined ? "-" : `${(value * 100).toFixed(2)}%`);
  const { rows, before, after } = summary;
  const row = (name: string, pick: (estimate: RefreshEstimate) => number | undefined) =>
    `  ${name.padEnd(12)}${(before === undefined ? "-" : percent(pick(before))).padStart(10)}${percent(pick(after)).padStart(10)}`;
  const lines = [
    `adapter written to ${summary.adapter} (from ${summary.from}, left as it was)`,
    `rows learnt from: ${rows.learntFrom} (${rows.answers} LLM answers from the logs, ${rows.oldTraining} rows kept by the old adapter, ${rows.gold} gold rows` +
      (rows.dropped > 0 ? `; ${rows.dropped} answers dropped: not a label of the task` : "") +
      ")",
    `estimated out of fold, against ${referenceWords(summary.reference)}:`,
    `  ${"".padEnd(12)}${"before".padStart(10)}${"after".padStart(10)}`,
    row("LLM share", (estimate) => estimate.lmShare),
    ...(before?.accuracy !== undefined || after.accuracy !== undefined
      ? [row("accuracy", (estimate) => estimate.accuracy)]
      : []),
    ...(before?.agreement !== undefined || after.agreement !== undefined
      ? [row("agreement", (estimate) => estimate.agreement)]
      : []),
    `operating point chosen by ${criterionWords(summary.criterion)}`,
    `time: ${summary.seconds}s`,
  ];
  return `${lines.join("\n")}\n`;
}
