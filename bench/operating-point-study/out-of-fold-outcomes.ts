import { fitAdaptation, notAsked, unusableAnswer } from "../../src/fit/fit-adaptation.js";
import type { SsmTrainer } from "../../src/small-models/ssm-trainer.js";
import type { DataRow } from "../../src/spec/dataset.js";
import type { Outcomes } from "./outcomes.js";
import { logProgress } from "./study-options.js";

/** One `fitAdaptation` run over labelled rows; rows with the LLM column are probed. */
export async function outOfFoldOutcomes(
  labels: readonly string[],
  rows: readonly DataRow[],
  column: string,
  trainer: SsmTrainer,
): Promise<Outcomes> {
  const ids = new Map(labels.map((label, index) => [label, index]));
  const goldIds = Int32Array.from(rows, (row) => ids.get(row.label ?? "") ?? -1);
  const answerIds = Int32Array.from(rows, (row) => {
    const answer = row.columns[column];
    if (answer === undefined) return notAsked;
    return ids.get(answer) ?? unusableAnswer;
  });
  const started = performance.now();
  const fitted = await fitAdaptation(
    { labels, texts: rows.map((row) => row.text), goldIds, answerIds },
    { trainer, criterion: { kind: "default" } },
  );
  logProgress(
    `  fitAdaptation: ${((performance.now() - started) / 1000).toFixed(1)} s, router ${fitted.outOfFold.routerKind}, gate ${JSON.stringify(fitted.gate)}`,
  );
  const { scores, ssmRight, gatedRight, lmRight } = fitted.outOfFold;
  return { scores, ssmRight, gatedRight, lmRight };
}
