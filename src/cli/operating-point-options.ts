import type { Command } from "commander";
import { z } from "zod";
import { type OperatingCriterion, operatingMetrics } from "../adapter/operating-criterion.js";
import { UsageError } from "../spec/errors/usage-error.js";

/** A number in any JavaScript spelling (0.05, .05, 5e-2), refused with the flag's name otherwise. */
const numberOption = (flag: string) =>
  z
    .string()
    .trim()
    .refine((text) => text !== "" && Number.isFinite(Number(text)), `${flag} must be a number`)
    .transform(Number);

const share = (flag: string) =>
  numberOption(flag).refine((value) => value >= 0 && value <= 1, `${flag} must be between 0 and 1`);

/** `--metric`: what the operating point maximises and holds not below the LM alone. */
const metricOption = z
  .string()
  .trim()
  .transform((text, context) => {
    const metric = operatingMetrics.find((name) => name === text);
    if (metric !== undefined) return metric;
    context.addIssue({
      code: "custom",
      message: `--metric must be one of ${operatingMetrics.join(", ")} (got "${text}")`,
    });
    return z.NEVER;
  });

/** `--max-lm-share`, `--lm-cost` and `--metric`, for the commands that choose an operating point. */
export const operatingPointOptionsSchema = z.object({
  metric: metricOption.default("accuracy"),
  maxLmShare: share("--max-lm-share").optional(),
  lmCost: numberOption("--lm-cost")
    .refine((value) => value >= 0, "--lm-cost must not be negative")
    .optional(),
  maxDisagreement: share("--max-disagreement").optional(),
});

export function addOperatingPointOptions(command: Command): Command {
  return command
    .option("--max-lm-share <share>", "cap the share of inputs sent to the LM (0..1)")
    .option("--lm-cost <points>", "accuracy (as a fraction) one full share of LM calls must buy, e.g. 0.05")
    .option(
      "--max-disagreement <share>",
      "the agreement rule (default without gold labels): at most this share of the inputs the small model answers may differ from the LM's answer (default 0.02)",
    )
    .option(
      "--metric <metric>",
      "what the operating point maximises and holds not below the LM alone: accuracy or macro-f1",
      "accuracy",
    );
}

export function operatingCriterionOf(
  options: z.output<typeof operatingPointOptionsSchema>,
): OperatingCriterion {
  const given = [
    options.maxLmShare === undefined ? undefined : "--max-lm-share",
    options.lmCost === undefined ? undefined : "--lm-cost",
    options.maxDisagreement === undefined ? undefined : "--max-disagreement",
  ].filter((flag) => flag !== undefined);
  if (given.length === 2) throw new UsageError(`give either ${given[0]} or ${given[1]}, not both`);
  if (given.length > 2) throw new UsageError(`give only one of ${given.join(", ")}`);
  if (options.maxLmShare !== undefined) return { kind: "max-lm-share", maxLmShare: options.maxLmShare };
  if (options.lmCost !== undefined) return { kind: "lm-cost", lmCost: options.lmCost };
  if (options.maxDisagreement !== undefined)
    return { kind: "max-disagreement", maxDisagreement: options.maxDisagreement };
  return { kind: "default" };
}
