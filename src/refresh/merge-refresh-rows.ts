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

/**
 * One row per distinct text: the old adapter's rows, then the extra training rows, the gold rows and
 * the LLM's answers, each later source filling in or replacing what an earlier one said of the same
 * text (the latest answer wins; a gold label is never replaced by none). Answers that are not one
 * of `labels` (read leniently, as the probe reads the LLM's replies) are dropped and counted.
 */
export function mergeRefreshRows(
  labels: readonly string[],
  sources: RefreshSources,
): { rows: RefreshRow[]; counts: { answers: number; gold: number; dropped: number } } {
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
  return {
    rows: [...byText.values()],
    counts: { answers: answered.size, gold: sources.gold.length, dropped },
  };
}

/** The fields of a row that are set (an undefined field leaves what an earlier source said). */
function labelled(label: string | undefined, answer: string | undefined): Omit<RefreshRow, "text"> {
  return { ...(label === undefined ? {} : { label }), ...(answer === undefined ? {} : { answer }) };
}
