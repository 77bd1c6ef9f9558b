import type { GateParameters } from "../../adapter/answer-gate.js";
import type { OperatingCriterion } from "../../adapter/operating-criterion.js";
import type { RouterKind } from "../../adapter/router.js";
import { routerFeatureCount } from "../../adapter/router-features.js";
import type { Estimates, OutOfFoldOutcomes } from "../fitted-adaptation.js";
import type { CurvePoint } from "../operating-point.js";
import { calibrateTemperature } from "./calibrate-temperature.js";
import { chooseGate } from "./choose-gate.js";
import { chooseRouter, routingOf } from "./choose-router.js";
import type { CrossFit } from "./cross-fit-ssms.js";
import { type FitContext, reliabilityOfFold } from "./fit-context.js";
import { estimatesOf, probedOutcomes } from "./out-of-fold-estimates.js";
import { scoreRouterOutOfFold } from "./score-router-out-of-fold.js";
import { scoreSsm } from "./score-ssm.js";
import { writeFeatureMatrix } from "./write-feature-matrix.js";

/** Everything estimated out of fold for one complement strength's cross-fit. */
export interface CandidateEvaluation {
  routerKind: RouterKind;
  temperature: number;
  /** Tempered out-of-fold probabilities, `labelCount` per labelled row. */
  probabilities: Float32Array;
  /** Router features of every labelled row, under its fold's LM reliability. */
  features: Float64Array;
  ssmRight: Uint8Array;
  gatedRight: Uint8Array;
  gate: GateParameters;
  ssmPrecision: number[];
  curve: CurvePoint[];
  chosen: CurvePoint;
  objective: number;
  estimates: Estimates;
  ssmTop: Float64Array;
  ssmTopLabel: Int32Array;
  outOfFold: OutOfFoldOutcomes;
}

/** How the router and its operating point are chosen. */
export interface RoutingChoice {
  criterion: OperatingCriterion;
  router: RouterKind | "auto";
}

/**
 * Evaluates one cross-fit out of fold: temperature, the SSM's scores, the router features, the
 * answer gate, the router and its operating point, and the estimates at that point.
 */
export function evaluateCandidate(
  context: FitContext,
  fit: CrossFit,
  choice: RoutingChoice,
): CandidateEvaluation {
  const { labelCount, rows } = context;
  const { temperature, probabilities } = calibrateTemperature(fit.probabilities, labelCount, rows.gold);
  const ssm = scoreSsm(probabilities, rows.gold, labelCount);
  const features = writeFeatureMatrix(
    new Float64Array(rows.labelledRows.length * routerFeatureCount),
    probabilities,
    labelCount,
    {
      ssmPrecision: ssm.precision,
      reliabilityOf: (index) => reliabilityOfFold(context.reliabilities, context.folds[index] ?? 0),
      textLengths: rows.lengths,
      novelty: fit.novelty,
    },
  );
  const { gate, gatedRight } = chooseGate(context, probabilities, ssm.right);
  const outcomes = probedOutcomes(rows, ssm.right, gatedRight);
  const routing = chooseRouter(choice.router, (kind) =>
    routingOf(
      kind,
      scoreRouterOutOfFold(context, kind, features, ssm.right, gatedRight),
      outcomes,
      choice.criterion,
    ),
  );
  return {
    routerKind: routing.kind,
    temperature,
    probabilities,
    features,
    ssmRight: ssm.right,
    gatedRight,
    gate,
    ssmPrecision: ssm.precision,
    curve: routing.curve,
    chosen: routing.chosen,
    objective: routing.objective,
    ssmTop: ssm.top,
    ssmTopLabel: ssm.topLabel,
    outOfFold: { routerKind: routing.kind, scores: routing.scores, ...outcomes },
    estimates: estimatesOf(rows.probed, outcomes, ssm.right, ssm.accuracy, routing.chosen),
  };
}
