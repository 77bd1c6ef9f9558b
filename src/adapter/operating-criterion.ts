import { z } from "zod";

/**
 * The operating point: how many inputs go to the LM. Chosen on the out-of-fold estimate of the
 * accuracy-against-LM-share curve, by one of three criteria:
 * - `max-lm-share`: a budget: among the points whose LM share is at most `maxLmShare` and that are
 *   safely not below the LM alone (the `default` criterion's test, at that point and every costlier
 *   point under the cap), the most accurate, ties going to the costlier point; where no point under
 *   the cap is safe, the costliest point under it (the LM answers as many inputs as the budget
 *   allows). See `chooseCappedPoint` for why;
 * - `lm-cost`: the point maximising `accuracy − lmCost × lmShare` (accuracy and share in 0..1, so
 *   `--lm-cost 0.05` means sending every input to the LM must buy at least 5 accuracy points);
 * - `default`: the cheapest point whose estimated accuracy is within `defaultTolerance` (0.2
 *   accuracy points) or one paired standard error of the best point's (the best point of a curve
 *   estimated on a few hundred rows is partly luck) and is not below the LM alone's: its paired
 *   gain over the LM alone, minus `safetyZ` (2.326, one-sided 99%) standard errors, must be at
 *   least 0 — with one pseudo differing row in that standard error wherever the point answers some
 *   inputs without the LM (a point whose rows never differed from the LM's would otherwise have a
 *   standard error of 0 and pass however few rows vouch for it) — and every costlier point must
 *   pass the same test without the pseudo row. Where the SSM is weak this sends (nearly) every
 *   input to the LM; sending everything to the LM always qualifies when the gate adds nothing over
 *   the LM's answer.
 *   The parameters (`defaultRule`) come from `bench/operating-point-study.ts` (`fit/operating-point.ts` holds the rules) (train/dev only):
 *   see `defaultRule`.
 * - `max-disagreement`: the rule of adapters built without (enough) gold labels: the cheapest point
 *   where the inputs the SSM answers lose at most `maxDisagreement` of them against the LM's answer
 *   (with no gold label: differ from the LM's answer), one-sided 99% (`safetyZ`, one pseudo
 *   differing row), with no costlier point significantly above it. See `chooseAgreementPoint`.
 */
export type OperatingCriterion =
  | { kind: "default" }
  | { kind: "max-lm-share"; maxLmShare: number }
  | { kind: "lm-cost"; lmCost: number }
  | { kind: "max-disagreement"; maxDisagreement: number };

/** `--max-disagreement`'s default: at most 2% of the inputs the SSM answers may differ from the LM's answer. */
export const defaultMaxDisagreement = 0.02;

export const operatingCriterionSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("default") }),
  z.object({ kind: z.literal("max-lm-share"), maxLmShare: z.number().min(0).max(1) }),
  z.object({ kind: z.literal("lm-cost"), lmCost: z.number().min(0) }),
  z.object({ kind: z.literal("max-disagreement"), maxDisagreement: z.number().min(0).max(1) }),
]);

/**
 * What the out-of-fold estimates were measured against: `gold` labels (every calibration row has
 * one), the `lm`'s answers (no gold label: accuracy is agreement with the LM), or `mixed` (gold
 * where given, the LM's answer elsewhere).
 */
export type OperatingReference = "gold" | "lm" | "mixed";

export const operatingReferenceSchema = z.enum(["gold", "lm", "mixed"]);

/**
 * What the operating point maximises and holds not below the LM alone: `accuracy` (the default) or
 * `macro-f1`, the unweighted mean F1 over the labels, for imbalanced tasks where accuracy rewards
 * answering the majority label (see `estimateMacroF1Curve`).
 */
export type OperatingMetric = "accuracy" | "macro-f1";

/** The metrics an operating point can be chosen by. */
export const operatingMetrics: readonly OperatingMetric[] = ["accuracy", "macro-f1"];

export const operatingMetricSchema = z.enum(["accuracy", "macro-f1"]);

/** The operating point an adapter keeps: where its router sends inputs to the LM, and why. */
export interface AdapterOperatingPoint {
  /** Inputs whose router score is at least this go to the LM; null = never. */
  threshold: number;
  lmShare: number;
  estimatedAccuracy: number;
  criterion: OperatingCriterion;
  /** The metric the point was chosen by (absent in adapters from before it could be chosen: accuracy). */
  metric?: OperatingMetric;
  /** The estimated macro-F1 at the point, out of fold (absent in older adapters). */
  estimatedMacroF1?: number;
  /** What `estimatedAccuracy` is measured against (absent: gold). */
  reference?: OperatingReference;
}
