import { fitRouter, type RouterModel, routerScore } from "../../adapter/router.js";
import { routerFeatureCount } from "../../adapter/router-features.js";
import type { CandidateEvaluation } from "./evaluate-candidate.js";
import type { FitContext } from "./fit-context.js";
import { writeFeatureMatrix } from "./write-feature-matrix.js";

/**
 * Refits the chosen router kind on every labelled row, with features under the global LM
 * reliability (as at prediction time), and returns it with its score on each labelled row.
 */
export function fitFinalRouter(
  context: FitContext,
  evaluation: CandidateEvaluation,
  novelty: Float64Array,
): { router: RouterModel; scores: Float64Array } {
  const { labelCount, rows } = context;
  const labelledCount = rows.labelledRows.length;
  const features = writeFeatureMatrix(
    Float64Array.from(evaluation.features),
    evaluation.probabilities,
    labelCount,
    {
      ssmPrecision: evaluation.ssmPrecision,
      reliabilityOf: () => context.reliabilities.global,
      textLengths: rows.lengths,
      novelty,
    },
  );
  const allIndices = Array.from({ length: labelledCount }, (_, index) => index);
  const router = fitRouter(
    evaluation.routerKind,
    features,
    allIndices,
    evaluation.ssmRight,
    rows.probed,
    evaluation.gatedRight,
  );
  const scores = new Float64Array(labelledCount);
  for (let index = 0; index < labelledCount; index += 1) {
    scores[index] = routerScore(router, features, index * routerFeatureCount);
  }
  return { router, scores };
}
