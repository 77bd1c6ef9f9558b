import { parseLabel } from "../large-models/parse-label.js";
import type { DataRow } from "../spec/dataset.js";

/** One row `refresh` learns from: its text, gold label and the LLM's answer (labels of the task). */
export interface RefreshRow {
  text: string;
  label?: string;
  answer?: string;
}

/** The rows `refresh` merges, oldest first. */
export interface RefreshSources {
  old: readonly RefreshRow[];
  answers: readonly { text: string; answer: string }[];
  gold: readonly DataRow[];
  train: readonly DataRow[];
}

/** What `mergeRefreshRows` merged: rows per source, answers dropped, and rows whose text an earlier one had. */
export interface MergeCounts {
  /** Distinct texts among the LLM answers kept (answers off the labels dropped). */
  answers: number;
  gold: number;
  train: number;
  /** Answers dropped: not a label of the task. */
  dropped: number;
  /**
   * Rows of the old adapter, --train, --gold and distinct answered texts whose text an earlier row
   * already had: merged into it (the newer answer winning). Sources minus duplicates = rows merged.
   */
  duplicates: number;
}

/**
 * One row per distinct text: the old adapter's rows, then the extra training rows, the gold rows and
 * the LLM's answers, each later source filling in or replacing what an earlier one said of the same
 * text (the latest answer wins; a gold label is never replaced by none). Answers that are not one
 * of `labels` (read leniently, as the probe reads the LLM's replies) are dropped and counted.
 */
export function mergeRefreshRows(
  labels: readonly string[],
  sources: RefreshSources,
): { rows: RefreshRow[]; counts: MergeCounts } {
  const byText = new Map<string, RefreshRow>();
  const update = (text: string, change: Omit<RefreshRow, "text">) => {
    const row = byText.get(text) ?? { text };
    byText.set(text, { ...row, ...change });
  };
  for (const row of sources.old) update(row.text, labelled(row.label, row.answer));
  for (const row of [...sources.train, ...sources.gold]) update(row.text, labelled(row.label, undefined));
  const answered = new Set<string>();
  let dropped = 0;
  for (const { text, answer } of sources.answers) {
    const parsed = parseLabel(answer, labels);
    if (!parsed.success) {
      dropped += 1;
      continue;
    }
    answered.add(text);
    update(text, { answer: parsed.label });
  }
  const given = sources.old.length + sources.train.length + sources.gold.length + answered.size;
  return {
    rows: [...byText.values()],
    counts: {
      answers: answered.size,
      gold: sources.gold.length,
      train: sources.train.length,
      dropped,
      duplicates: given - byText.size,
    },
  };
}

/** The fields of a row that are set (an undefined field leaves what an earlier source said). */
function labelled(label: string | undefined, answer: string | undefined): Omit<RefreshRow, "text"> {
  return { ...(label === undefined ? {} : { label }), ...(answer === undefined ? {} : { answer }) };
}
