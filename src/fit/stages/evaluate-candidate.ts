import type { GateParameters } from "../../adapter/answer-gate.js";
import type { OperatingCriterion, OperatingMetric } from "../../adapter/operating-criterion.js";
import type { RouterKind } from "../../adapter/router.js";
import { routerFeatureCount } from "../../adapter/router-features.js";
import type { Estimates, OutOfFoldOutcomes } from "../fitted-adaptation.js";
import { labelsAt, macroF1Of, type ProbedLabels, routingOrder } from "../macro-f1-curve.js";
import type { CurvePoint } from "../operating-point.js";
import { calibrateTemperature } from "./calibrate-temperature.js";
import { chooseGate, gateLabels } from "./choose-gate.js";
import { chooseRouter, type Routing, routingOf } from "./choose-router.js";
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
  /** With `macro-f1`: the macro-F1 curve the point was chosen on (same thresholds as `curve`). */
  metricCurve?: CurvePoint[];
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
  /** What the point maximises and holds not below the LM alone (default accuracy). */
  metric?: OperatingMetric;
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
  const labels = probedLabels(context, gateLabels(context, gate, probabilities, ssm.topLabel), ssm.topLabel);
  const metric = { metric: choice.metric ?? "accuracy", labels, labelCount };
  const routing = chooseRouter(choice.router, (kind) =>
    routingOf(
      kind,
      scoreRouterOutOfFold(context, kind, features, ssm.right, gatedRight),
      outcomes,
      choice.criterion,
      metric,
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
    estimates: {
      ...estimatesOf(rows.probed, outcomes, ssm.right, ssm.accuracy, routing.chosen),
      macroF1: macroF1Estimates(labels, routing, labelCount),
    },
    ...(routing.metricCurve === undefined ? {} : { metricCurve: routing.metricCurve }),
  };
}

/** The gold, SSM, gate and LM labels of the probed rows, in `probed` order. */
function probedLabels(context: FitContext, routed: Int32Array, ssmTopLabel: Int32Array): ProbedLabels {
  const { probed, gold, answers } = context.rows;
  return {
    gold: Int32Array.from(probed, (index) => gold[index] ?? -1),
    ssm: Int32Array.from(probed, (index) => ssmTopLabel[index] ?? -1),
    routed,
    lm: Int32Array.from(probed, (index) => answers[index] ?? -1),
  };
}

/** The out-of-fold macro-F1 of the LM alone and of the adapter at the chosen point, on the probed rows. */
function macroF1Estimates(labels: ProbedLabels, routing: Routing, labelCount: number) {
  const routed = Math.round(routing.chosen.lmShare * labels.gold.length);
  return {
    lmAlone: macroF1Of(labels.gold, labels.lm, labelCount),
    adapted: macroF1Of(labels.gold, labelsAt(labels, routingOrder(routing.scores), routed), labelCount),
  };
}
