import { type AdaptOptions, type AdaptResult, adapt } from "../adapt/adapt.js";
import { type AdapterEvaluation, evaluateAdapter } from "../evaluate/evaluate-adapter.js";
import type { DataRow } from "../spec/dataset.js";
import type { Task } from "../spec/task.js";
import { createSeededRandom } from "../util/seeded-random.js";
import { share, systemFigures } from "./bench-figures.js";

/** One row of the ablation; the figures are null where the part does not apply (see `note`). */
export interface AblationRow {
  name: string;
  accuracy: number | null;
  macroF1: number | null;
  lmShare: number | null;
  note?: string;
}

/** The bench run an ablation varies: its adapt options, its adapter and that adapter's evaluation on test. */
export interface AblationInput {
  base: AdaptOptions;
  adaptation: AdaptResult;
  evaluation: AdapterEvaluation;
  labelledTest: { text: string; label: string }[];
  setupModel: AdaptOptions["largeModel"];
  task: Task;
}

/**
 * What each part of the method is worth on the test split: the complement weighting, the router
 * and the answer gate, and distillation (each variant adapted again with its own router and
 * operating point).
 */
export async function runAblation(input: AblationInput): Promise<AblationRow[]> {
  const rows = await ablateComplementWeighting(input);
  rows.push(...confidenceThresholdRows(input));
  rows.push(...(await ablateRouterKind(input)));
  rows.push(...(await ablateDistillation(input)));
  return rows;
}

/** 1. Plain SSM vs complement-weighted SSM (each with its own router and operating point). */
async function ablateComplementWeighting(input: AblationInput): Promise<AblationRow[]> {
  const rows: AblationRow[] = [];
  for (const strength of [0, 1]) {
    const variant = await evaluateVariant(input, { complementStrengths: [strength] });
    const label = strength === 0 ? "plain" : "complement-weighted";
    rows.push(ablationRow(input, `SSM alone, ${label} (strength ${strength})`, variant.ssmLabels, 0));
    rows.push(ablationRow(input, `adapted, ${label} SSM`, variant.adaptedLabels, share(variant.lmCalled)));
  }
  return rows;
}

/**
 * 2. SSM-confidence threshold vs the adapter's router, raw LM answer vs the answer gate: the
 * threshold at the adapted system's LM share on test.
 */
function confidenceThresholdRows(input: AblationInput): AblationRow[] {
  const { evaluation } = input;
  const calls = evaluation.lmCalled.reduce((sum, value) => sum + value, 0);
  const byConfidence = Array.from(evaluation.ssmConfidences.keys()).sort(
    (left, right) => (evaluation.ssmConfidences[left] ?? 0) - (evaluation.ssmConfidences[right] ?? 0),
  );
  const routedByConfidence = new Uint8Array(evaluation.gold.length);
  for (const row of byConfidence.slice(0, calls)) routedByConfidence[row] = 1;
  const atShare = share(routedByConfidence);
  const kind = input.adaptation.description.router.kind;
  return [
    ablationRow(
      input,
      "confidence threshold, raw LM answer",
      evaluation.gold.map((_, row) =>
        routedByConfidence[row] === 1
          ? (evaluation.lmLabels[row] ?? evaluation.ssmLabels[row])
          : evaluation.ssmLabels[row],
      ),
      atShare,
      "lowest SSM confidence routed, same LM share as the adapted system",
    ),
    ablationRow(
      input,
      "confidence threshold + answer gate",
      evaluation.gold.map((_, row) =>
        routedByConfidence[row] === 1 ? evaluation.routedLabels[row] : evaluation.ssmLabels[row],
      ),
      atShare,
    ),
    ablationRow(
      input,
      `adapter's router (${kind}), raw LM answer`,
      evaluation.gold.map((_, row) =>
        evaluation.lmCalled[row] === 1
          ? (evaluation.lmLabels[row] ?? evaluation.ssmLabels[row])
          : evaluation.ssmLabels[row],
      ),
      share(evaluation.lmCalled),
    ),
    ablationRow(
      input,
      `adapter's router (${kind}) + answer gate (adapted)`,
      evaluation.adaptedLabels,
      share(evaluation.lmCalled),
    ),
  ];
}

/** The other router kind than the adapter's, forced, with its own operating point. */
async function ablateRouterKind(input: AblationInput): Promise<AblationRow[]> {
  const otherKind = input.adaptation.description.router.kind === "learned" ? "confidence" : "learned";
  const other = await evaluateVariant(input, { router: otherKind });
  return [
    ablationRow(
      input,
      `adapted with the ${otherKind} router forced`,
      other.adaptedLabels,
      share(other.lmCalled),
    ),
  ];
}

/**
 * 3. Distillation: hide the gold labels of a seeded half of the training rows that have LM answers,
 * and adapt with and without learning those rows from the LM's answers. Does not apply when
 * train.csv has no LM answers.
 */
async function ablateDistillation(input: AblationInput): Promise<AblationRow[]> {
  const { base } = input;
  if (base.probeTrain !== true) {
    return [
      {
        name: "distillation",
        accuracy: null,
        macroF1: null,
        lmShare: null,
        note: "does not apply: train.csv has no LM answers, so no row can be learnt from the LM",
      },
    ];
  }
  const random = createSeededRandom(7);
  const hidden: DataRow[] = base.trainRows.map((row) => {
    if (random() >= 0.5) return row;
    const { label: _label, ...rest } = row;
    return rest;
  });
  const hiddenCount = hidden.filter((row) => row.label === undefined).length;
  const withDistillation = await evaluateVariant(input, { trainRows: hidden, distillation: true });
  const rows = [
    ablationRow(
      input,
      "adapted, 50% train gold hidden, with distillation",
      withDistillation.adaptedLabels,
      share(withDistillation.lmCalled),
      `${hiddenCount} training rows learnt from the LM's answers`,
    ),
    ablationRow(input, "SSM alone, 50% train gold hidden, with distillation", withDistillation.ssmLabels, 0),
  ];
  const without = await evaluateVariant(input, { trainRows: hidden, distillation: false });
  rows.push(
    ablationRow(
      input,
      "adapted, 50% train gold hidden, without distillation",
      without.adaptedLabels,
      share(without.lmCalled),
      `the ${hiddenCount} rows without gold are left out`,
    ),
    ablationRow(input, "SSM alone, 50% train gold hidden, without distillation", without.ssmLabels, 0),
  );
  return rows;
}

/** Adapts again with `options` over the bench's adapt options, and evaluates that adapter on test. */
async function evaluateVariant(
  input: AblationInput,
  options: Partial<AdaptOptions>,
): Promise<AdapterEvaluation> {
  const variant = await adapt({ ...input.base, ...options });
  return evaluateAdapter(variant.adapter, input.labelledTest, input.setupModel, { concurrency: 16 });
}

/** An ablation row: `predicted`'s figures against the test split's gold labels. */
function ablationRow(
  input: AblationInput,
  name: string,
  predicted: readonly (string | undefined)[],
  lmShare: number,
  note?: string,
): AblationRow {
  return {
    name,
    ...systemFigures(input.evaluation.gold, predicted, input.task.labels, lmShare),
    ...(note === undefined ? {} : { note }),
  };
}
