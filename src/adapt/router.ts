import { z } from "zod";
import {
  fitLogistic,
  type LogisticModel,
  logisticModelSchema,
  predictLogistic,
} from "./logistic-regression.js";
import { routerFeatureCount } from "./router-features.js";

/**
 * The router: two small logistic models on the same SSM-only features, one for P(SSM right) and
 * one for P(final answer right | the LM is called and gated). Its score is the expected gain of
 * calling the LM, `P(gated right) − P(SSM right)`; the LM is called where the score reaches the
 * operating point's threshold. The "confidence" kind scores `1 − max SSM probability` instead.
 */
export type RouterKind = "learned" | "confidence";

export interface RouterModel {
  kind: RouterKind;
  ssmRight?: LogisticModel;
  gatedRight?: LogisticModel;
}

export const routerModelSchema = z.object({
  kind: z.enum(["learned", "confidence"]),
  ssmRight: logisticModelSchema.optional(),
  gatedRight: logisticModelSchema.optional(),
});

/** Strong L2: the calibration rows are few (hundreds to a thousand). */
const ssmRightPenalty = 1e-3;
const gatedRightPenalty = 2e-2;

export function fitRouter(
  kind: RouterKind,
  features: Float64Array,
  ssmRightRows: readonly number[],
  ssmRight: Uint8Array,
  gatedRows: readonly number[],
  gatedRight: Uint8Array,
): RouterModel {
  if (kind === "confidence") return { kind };
  return {
    kind,
    ssmRight: fitOnRows(features, ssmRightRows, ssmRight, ssmRightPenalty),
    gatedRight: fitOnRows(features, gatedRows, gatedRight, gatedRightPenalty),
  };
}

function fitOnRows(
  features: Float64Array,
  rows: readonly number[],
  outcome: Uint8Array,
  l2: number,
): LogisticModel {
  const selected = new Float64Array(rows.length * routerFeatureCount);
  const targets = new Float64Array(rows.length);
  rows.forEach((row, index) => {
    selected.set(
      features.subarray(row * routerFeatureCount, (row + 1) * routerFeatureCount),
      index * routerFeatureCount,
    );
    targets[index] = outcome[row] ?? 0;
  });
  return fitLogistic(selected, routerFeatureCount, targets, undefined, { l2 });
}

/** Higher = calling the LM is worth more. `features` holds one router-feature row at `offset`. */
export function routerScore(router: RouterModel, features: ArrayLike<number>, offset: number): number {
  if (router.kind === "confidence" || router.ssmRight === undefined || router.gatedRight === undefined) {
    return 1 - (features[offset] ?? 0);
  }
  return (
    predictLogistic(router.gatedRight, features, offset) - predictLogistic(router.ssmRight, features, offset)
  );
}

/** P(SSM right) where the learned model exists, else the SSM's max probability. */
export function ssmRightProbability(
  router: RouterModel,
  features: ArrayLike<number>,
  offset: number,
): number {
  if (router.ssmRight === undefined) return features[offset] ?? 0;
  return predictLogistic(router.ssmRight, features, offset);
}
