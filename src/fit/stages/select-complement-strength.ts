import type { CandidateSummary } from "../fitted-adaptation.js";
import type { CrossFit } from "./cross-fit-ssms.js";
import type { CandidateEvaluation } from "./evaluate-candidate.js";

/** The complement strength kept, with its cross-fit and evaluation. */
export interface BestCandidate {
  strength: number;
  fit: CrossFit;
  evaluation: CandidateEvaluation;
}

/** Every strength tried, the best of them, and the time the cross-fits (and their evaluation) took. */
export interface StrengthSelection {
  candidates: CandidateSummary[];
  best: BestCandidate;
  ssmTrainSeconds: number;
  crossFitSeconds: number;
}

/**
 * Cross-fits and evaluates each complement strength in turn and keeps the one with the best
 * out-of-fold objective (the first on a tie within 1e-9).
 */
export async function selectComplementStrength(
  strengths: readonly number[],
  crossFit: (strength: number) => Promise<CrossFit>,
  evaluate: (fit: CrossFit) => CandidateEvaluation,
): Promise<StrengthSelection> {
  const crossFitStarted = performance.now();
  const candidates: CandidateSummary[] = [];
  let best: BestCandidate | undefined;
  let ssmTrainSeconds = 0;
  for (const strength of strengths) {
    const fit = await crossFit(strength);
    ssmTrainSeconds += fit.seconds;
    const evaluation = evaluate(fit);
    candidates.push({
      complementStrength: strength,
      objective: evaluation.objective,
      ssmAlone: evaluation.estimates.ssmAloneAllLabelled,
      adapted: evaluation.estimates.adapted,
      adaptedLmShare: evaluation.estimates.adaptedLmShare,
    });
    if (best === undefined || evaluation.objective > best.evaluation.objective + 1e-9) {
      best = { strength, fit, evaluation };
    }
  }
  if (best === undefined) throw new Error("fitAdaptation needs at least one complement strength");
  const crossFitSeconds = (performance.now() - crossFitStarted) / 1000;
  return { candidates, best, ssmTrainSeconds, crossFitSeconds };
}
