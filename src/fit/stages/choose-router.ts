import type { OperatingCriterion, OperatingMetric } from "../../adapter/operating-criterion.js";
import type { RouterKind } from "../../adapter/router.js";
import { chooseAgreementPoint } from "../agreement-point.js";
import {
  estimateMacroF1Curve,
  macroF1ShortfallError,
  type ProbedLabels,
  routingOrder,
} from "../macro-f1-curve.js";
import { type CurvePoint, chooseOperatingPoint, estimateCurve } from "../operating-point.js";
import { objectiveOf } from "./objective-of.js";

/** The out-of-fold outcomes (0/1) of the probed rows, in `probed` order. */
export interface ProbedOutcomes {
  ssmRight: Uint8Array;
  gatedRight: Uint8Array;
  lmRight: Uint8Array;
}

/** One router kind's out-of-fold scores, the curve they give, the point chosen on it and its objective. */
export interface Routing {
  kind: RouterKind;
  scores: Float64Array;
  curve: CurvePoint[];
  chosen: CurvePoint;
  objective: number;
  /** With `macro-f1`: the macro-F1 curve the point was chosen on (same thresholds as `curve`). */
  metricCurve?: CurvePoint[];
}

/** The metric the operating point is chosen by, with the labels a macro-F1 curve needs. */
export interface RoutingMetric {
  metric: OperatingMetric;
  labels: ProbedLabels;
  labelCount: number;
}

/** How much (0.1 point) the learned router must beat the confidence threshold by, out of fold. */
export const learnedRouterMargin = 0.001;

/** The curve, operating point and objective of one router kind's out-of-fold `scores`. */
export function routingOf(
  kind: RouterKind,
  scores: Float64Array,
  outcomes: ProbedOutcomes,
  criterion: OperatingCriterion,
  metric?: RoutingMetric,
): Routing {
  const curve = estimateCurve(scores, outcomes.ssmRight, outcomes.gatedRight, outcomes.lmRight);
  if (criterion.kind === "max-disagreement") {
    const chosen = chooseAgreementPoint(curve, scores, outcomes, criterion.maxDisagreement);
    return { kind, scores, curve, chosen, objective: objectiveOf(criterion, curve, chosen) };
  }
  if (metric === undefined || metric.metric === "accuracy") {
    const chosen = chooseOperatingPoint(curve, criterion);
    return { kind, scores, curve, chosen, objective: objectiveOf(criterion, curve, chosen) };
  }
  // Macro-F1: the point is chosen on the macro-F1 curve; the adapter keeps the same point of `curve`.
  const metricCurve = estimateMacroF1Curve(scores, metric.labels, metric.labelCount);
  const shortfallError = macroF1ShortfallError(metric.labels, routingOrder(scores), metric.labelCount);
  const metricChosen = chooseOperatingPoint(metricCurve, criterion, shortfallError);
  const chosen = curve[metricCurve.indexOf(metricChosen)] ?? curve[0] ?? metricChosen;
  return {
    kind,
    scores,
    curve,
    chosen,
    objective: objectiveOf(criterion, metricCurve, metricChosen),
    metricCurve,
  };
}

/**
 * The router kind to use: the one asked for, or with "auto" the confidence threshold unless the
 * learned router beats its objective by `learnedRouterMargin`. `routeWith` routes with one kind.
 */
export function chooseRouter(choice: RouterKind | "auto", routeWith: (kind: RouterKind) => Routing): Routing {
  const kinds: RouterKind[] = choice === "auto" ? ["confidence", "learned"] : [choice];
  let routing = routeWith(kinds[0] ?? "confidence");
  for (const kind of kinds.slice(1)) {
    const other = routeWith(kind);
    if (other.objective > routing.objective + learnedRouterMargin) routing = other;
  }
  return routing;
}
