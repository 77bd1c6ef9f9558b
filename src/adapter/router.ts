import { z } from "zod";
import {
  fitLogistic,
  type LogisticModel,
  logisticModelSchema,
  predictLogistic,
} from "../learners/logistic-regression.js";
import { routerFeatureCount } from "./router-features.js";

/**
 * The router: small logistic models on SSM-only features, fitted on the probed rows. Its score is
 * the expected gain of calling the LM, `P(answers differ) × (2·P(the gated answer is the right one
 * | they differ) − 1)`: calling the LM changes the outcome only where the gated answer differs from
 * the SSM's. (An earlier form, `P(gated right) − P(SSM right)` from two separately fitted models,
 * ranked inputs backwards on Banking77: the difference of two differently regularised models was
 * mostly their calibration error. It is still read from adapters that stored it.)
 * The LM is called where the score reaches the operating point's threshold. The "confidence"
 * kind scores `1 − max SSM probability` instead.
 */
export type RouterKind = "learned" | "confidence";

export interface RouterModel {
  kind: RouterKind;
  ssmRight?: LogisticModel;
  gatedRight?: LogisticModel;
  /** P(the gated answer differs from the SSM's), on the probed rows. */
  answersDiffer?: LogisticModel;
  /** P(the gated answer is right | it differs from the SSM's). */
  gatedWinsWhenDiffering?: LogisticModel;
}

export const routerModelSchema = z.object({
  kind: z.enum(["learned", "confidence"]),
  ssmRight: logisticModelSchema.optional(),
  gatedRight: logisticModelSchema.optional(),
  answersDiffer: logisticModelSchema.optional(),
  gatedWinsWhenDiffering: logisticModelSchema.optional(),
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
  const differ = new Uint8Array(ssmRight.length);
  const differingRows: number[] = [];
  for (const row of gatedRows) {
    if ((gatedRight[row] ?? 0) !== (ssmRight[row] ?? 0)) {
      differ[row] = 1;
      differingRows.push(row);
    }
  }
  return {
    kind,
    ssmRight: fitOnRows(features, ssmRightRows, ssmRight, ssmRightPenalty),
    answersDiffer: fitOnRows(features, gatedRows, differ, gatedRightPenalty),
    ...(differingRows.length === 0
      ? {}
      : { gatedWinsWhenDiffering: fitOnRows(features, differingRows, gatedRight, gatedRightPenalty) }),
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
  if (router.kind === "learned" && router.answersDiffer !== undefined) {
    const wins =
      router.gatedWinsWhenDiffering === undefined
        ? 0.5
        : predictLogistic(router.gatedWinsWhenDiffering, features, offset);
    return predictLogistic(router.answersDiffer, features, offset) * (2 * wins - 1);
  }
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
