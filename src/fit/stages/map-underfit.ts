import { buildUnderfitMap, type UnderfitMap } from "../underfit-map.js";
import type { CandidateEvaluation } from "./evaluate-candidate.js";
import type { FitContext } from "./fit-context.js";

/** Where the LM is wrong, on the probed rows, with the kept SSM's out-of-fold answers as regions. */
export function mapUnderfit(context: FitContext, evaluation: CandidateEvaluation): UnderfitMap {
  const { rows } = context;
  return buildUnderfitMap({
    labels: context.labels,
    rows: rows.probed,
    goldIds: rows.gold,
    answerIds: rows.answers,
    ssmTopLabel: evaluation.ssmTopLabel,
    ssmTop: evaluation.ssmTop,
    textLengths: rows.lengths,
    reliability: context.reliabilities.global,
  });
}
