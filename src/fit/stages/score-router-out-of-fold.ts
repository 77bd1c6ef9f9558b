import { fitRouter, type RouterKind, routerScore } from "../../adapter/router.js";
import { routerFeatureCount } from "../../adapter/router-features.js";
import type { FitContext } from "./fit-context.js";

/**
 * Out-of-fold scores of one router kind on the probed rows (in `probed` order): for each fold, a
 * router fitted on the other folds' rows scores the fold's probed rows.
 */
export function scoreRouterOutOfFold(
  context: FitContext,
  kind: RouterKind,
  features: Float64Array,
  ssmRight: Uint8Array,
  gatedRight: Uint8Array,
): Float64Array {
  const { foldCount, folds } = context;
  const { probed } = context.rows;
  const labelledCount = context.rows.labelledRows.length;
  const scores = new Float64Array(probed.length);
  for (let fold = 0; fold < foldCount; fold += 1) {
    const trainingRows: number[] = [];
    const trainingProbed: number[] = [];
    for (let index = 0; index < labelledCount; index += 1)
      if (folds[index] !== fold) trainingRows.push(index);
    for (const index of probed) if (folds[index] !== fold) trainingProbed.push(index);
    const router = fitRouter(kind, features, trainingRows, ssmRight, trainingProbed, gatedRight);
    probed.forEach((index, position) => {
      if (folds[index] === fold) scores[position] = routerScore(router, features, index * routerFeatureCount);
    });
  }
  return scores;
}
