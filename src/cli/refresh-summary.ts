import type { OperatingCriterion, OperatingReference } from "../adapter/operating-criterion.js";
import type { LoggedAnswers } from "../refresh/decision-log-answers.js";
import type { RefreshEstimate, RefreshResult } from "../refresh/refresh-adapter.js";
import { realFolder } from "../util/real-folder.js";
import { criterionWords, referenceWords } from "./criterion-words.js";

/** What `easy-adapt refresh` reports (its --json output, key for key). */
export interface RefreshSummary {
  adapter: string;
  from: string;
  /** Decision-log lines read, and those left out (no input text; no LLM answer). */
  log: { lines: number; withoutInput: number; withoutAnswer: number };
  /**
   * Rows learnt from: LLM answers kept (deduplicated), gold and --train rows, the old adapter's rows,
   * less the duplicates (texts an earlier source had) and the rows with neither a gold label nor a
   * usable LLM answer (`unusable`), in all (`learntFrom`); answers dropped (not a label) apart.
   */
  rows: RefreshResult["rows"] & { unusable: number; learntFrom: number };
  /** Whether --out was the folder refreshed from: the old adapter was then replaced. */
  replacedFrom: boolean;
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
  const { rows } = refreshed;
  const learntFrom = counts.labelled + counts.distilled;
  const merged = rows.answers + rows.oldTraining + rows.gold + rows.train - rows.duplicates;
  return {
    adapter: where.adapter,
    from: where.from,
    replacedFrom: realFolder(where.from) === realFolder(where.adapter),
    log: { lines: logged.lines, withoutInput: logged.withoutInput, withoutAnswer: logged.withoutAnswer },
    rows: { ...rows, unusable: Math.max(0, merged - learntFrom), learntFrom },
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
    summary.replacedFrom
      ? `adapter written to ${summary.adapter} (replacing the adapter it was refreshed from)`
      : `adapter written to ${summary.adapter} (from ${summary.from}, left as it was)`,
    `rows learnt from: ${rows.learntFrom} (${rowsWords(rows)})`,
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

/** The sources of the rows learnt from, as a sum that adds up to them, e.g. "33 LLM answers from the logs, …, less 300 duplicates: …". */
function rowsWords(rows: RefreshSummary["rows"]): string {
  return [
    `${rows.answers} LLM answers from the logs`,
    `${rows.oldTraining} rows kept by the old adapter`,
    `${rows.gold} gold rows`,
    ...(rows.train > 0 ? [`${rows.train} --train rows`] : []),
    ...(rows.duplicates > 0
      ? [`less ${rows.duplicates} duplicates (texts already kept: one row each, the newer answer winning)`]
      : []),
    ...(rows.unusable > 0 ? [`less ${rows.unusable} with neither a gold label nor a usable LLM answer`] : []),
  ]
    .join(", ")
    .concat(rows.dropped > 0 ? `; ${rows.dropped} answers dropped: not a label of the task` : "");
}
