import { buildAdapterReport } from "../evaluate/adapter-report.js";
import type { AblationResult, EvaluationReport } from "../evaluate/evaluation-report.js";
import type { BenchRun } from "./benchmark.js";

/** The evaluation report of a bench run (test split), with the ablation rows that apply. */
export function benchReport(run: BenchRun): EvaluationReport {
  const ablations: AblationResult[] = [];
  const notes: string[] = [];
  for (const row of run.result.ablation ?? []) {
    if (row.accuracy === null || row.macroF1 === null || row.lmShare === null) {
      notes.push(`ablation "${row.name}": ${row.note ?? "does not apply"}`);
      continue;
    }
    ablations.push({
      name: row.name,
      accuracy: row.accuracy,
      macroF1: row.macroF1,
      lmShare: row.lmShare,
      ...(row.note === undefined ? {} : { note: row.note }),
    });
  }
  const estimates = run.adaptation.fitted.estimates;
  notes.push(
    `operating point chosen on ${estimates.rows} calibration rows out of fold: estimated accuracy ${(estimates.adapted * 100).toFixed(2)}% at ${(estimates.adaptedLmShare * 100).toFixed(1)}% LM share (LM alone estimated ${(estimates.lmAlone * 100).toFixed(2)}%)` +
      (estimates.macroF1 === undefined
        ? ""
        : `, estimated macro-F1 ${(estimates.macroF1.adapted * 100).toFixed(2)}% (LM alone ${(estimates.macroF1.lmAlone * 100).toFixed(2)}%)`),
    `LM answers reached the pipeline only through the OpenAI-compatible connector over HTTP (replay of the recorded "${run.result.llmColumn}" column)`,
  );
  return buildAdapterReport({
    dataset: run.result.dataset,
    split: "test",
    description: run.adaptation.description,
    evaluation: run.evaluation,
    counts: { ...run.result.counts },
    timingsMs: {
      adapt: run.result.timings.adaptSeconds * 1000,
      ssmTrain: run.result.timings.ssmTrainSeconds * 1000,
      probe: run.adaptation.timings.probeSeconds * 1000,
    },
    ablations,
    notes,
  });
}
