import type { AdapterDescription } from "../adapter/adapter-parts.js";
import type { OperatingCriterion, OperatingMetric } from "../adapter/operating-criterion.js";
import { buildEvaluationReport } from "./build-evaluation-report.js";
import type { TokenPrices } from "./cost-estimate.js";
import type { AdapterEvaluation } from "./evaluate-adapter.js";
import type { AblationResult, EvaluationReport } from "./evaluation-report.js";

/** The evaluation report (helper "evaluate"'s format) of an adapter measured on one labelled split. */
export function buildAdapterReport(input: {
  dataset: string;
  split: string;
  description: AdapterDescription;
  evaluation: AdapterEvaluation;
  counts?: Record<string, number>;
  timingsMs?: Record<string, number>;
  ablations?: AblationResult[];
  prices?: TokenPrices;
  notes?: string[];
}): EvaluationReport {
  const { description, evaluation } = input;
  const capNote = shareCapNote(description, evaluation);
  const notes = [...(input.notes ?? []), ...(capNote === undefined ? [] : [capNote])];
  const metric = description.operatingPoint.metric ?? "accuracy";
  return buildEvaluationReport({
    metric,
    dataset: input.dataset,
    task: description.task.name,
    split: input.split,
    models: { lm: description.lmId, ssm: description.ssmKind },
    labels: description.task.labels,
    gold: evaluation.gold,
    ssmLabels: evaluation.ssmLabels,
    lmLabels: evaluation.lmLabels,
    routedLabels: evaluation.routedLabels,
    routerScores: evaluation.scores,
    routedToLm: evaluation.lmCalled,
    operatingPoint: {
      // A finite stand-in for "never" keeps the report JSON-serialisable.
      threshold: Number.isFinite(evaluation.threshold) ? evaluation.threshold : Number.MAX_VALUE,
      rule: ruleOf(description.operatingPoint.criterion, metric),
      chosenOn: "calibration rows, out of fold",
    },
    latenciesMs: { lm: evaluation.lmMs, ssm: evaluation.ssmMs },
    lmTokens: evaluation.lmTokens,
    ...(input.prices === undefined ? {} : { prices: input.prices }),
    ...(input.counts === undefined ? {} : { counts: input.counts }),
    ...(input.timingsMs === undefined ? {} : { timings: input.timingsMs }),
    ...(input.ablations === undefined ? {} : { ablations: input.ablations }),
    notes,
  });
}

/** The operating point's rule in words, in the metric that chose it. */
function ruleOf(criterion: OperatingCriterion, metric: OperatingMetric): string {
  const byMacroF1 = metric === "macro-f1";
  if (criterion.kind === "max-lm-share")
    return `LM share <= ${(criterion.maxLmShare * 100).toFixed(1)}%: the ${byMacroF1 ? "point of best macro-F1" : "most accurate point"} safely not below the LM alone${byMacroF1 ? "'s macro-F1" : ""}, else the costliest within the cap; at most that share of a batch's inputs go to the LM`;
  if (criterion.kind === "lm-cost")
    return `best ${byMacroF1 ? "macro-F1" : "accuracy"} - ${criterion.lmCost} x LM share`;
  if (criterion.kind === "max-disagreement")
    return `cheapest point where at most ${(criterion.maxDisagreement * 100).toFixed(1)}% of the inputs the SSM answers differ from the LM's answer, one-sided 99%`;
  return byMacroF1
    ? "cheapest point within 0.2 points (or one paired standard error) of the best estimated macro-F1, not below the LM alone's macro-F1 at one-sided 99%"
    : "cheapest point within 0.2 points (or one paired standard error) of the best estimated accuracy, not below the LM alone at one-sided 99%";
}

/**
 * What the adapter's `--max-lm-share` cap did on these rows, when it held some back: the rows it
 * answered with the SSM although their router score reached the threshold.
 */
export function shareCapNote(
  description: AdapterDescription,
  evaluation: AdapterEvaluation,
): string | undefined {
  const criterion = description.operatingPoint.criterion;
  if (criterion.kind !== "max-lm-share" || evaluation.heldBackByCap === 0) return undefined;
  const rows = evaluation.gold.length;
  const called = evaluation.lmCalled.reduce((sum, value) => sum + value, 0);
  const percent = (value: number) => `${((value / rows) * 100).toFixed(1)}%`;
  return (
    `the --max-lm-share cap of ${(criterion.maxLmShare * 100).toFixed(1)}% held ${evaluation.heldBackByCap} ${evaluation.heldBackByCap === 1 ? "row" : "rows"} back from the LM ` +
    `(the threshold alone would have sent ${percent(called + evaluation.heldBackByCap)} of the rows, the cap sent ${percent(called)}): ` +
    "the SSM answered them"
  );
}
