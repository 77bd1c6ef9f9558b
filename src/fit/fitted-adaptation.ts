import type { GateParameters } from "../adapter/answer-gate.js";
import type { LmReliability } from "../adapter/lm-reliability.js";
import type { AdapterOperatingPoint } from "../adapter/operating-criterion.js";
import type { RouterKind, RouterModel } from "../adapter/router.js";
import type { TrainedSsm } from "../small-models/ssm-trainer.js";
import type { CurvePoint } from "./operating-point.js";
import type { UnderfitMap } from "./underfit-map.js";

/** Out-of-fold accuracies of the candidate systems. */
export interface Estimates {
  /** Rows the estimates are computed on (probed rows with a gold label). */
  rows: number;
  lmAlone: number;
  ssmAlone: number;
  /** The SSM alone on every labelled row (out of fold). */
  ssmAloneAllLabelled: number;
  gatedAll: number;
  adapted: number;
  adaptedLmShare: number;
  oracle: number;
  /** Macro-F1 of the LM alone and of the adapter at the chosen point (whatever metric chose it). */
  macroF1?: { lmAlone: number; adapted: number };
}

/** One complement strength tried, with its out-of-fold objective and estimates. */
export interface CandidateSummary {
  complementStrength: number;
  objective: number;
  ssmAlone: number;
  adapted: number;
  adaptedLmShare: number;
}

/**
 * The out-of-fold outcomes the operating point was chosen on, one entry per probed labelled row:
 * the chosen router's score, whether the SSM alone, the routed answer (the gate) and the LM alone
 * are right.
 */
export interface OutOfFoldOutcomes {
  routerKind: RouterKind;
  scores: Float64Array;
  ssmRight: Uint8Array;
  gatedRight: Uint8Array;
  lmRight: Uint8Array;
}

/** What `fitAdaptation` estimates: the adapter's parameters and how they were chosen. */
export interface FittedAdaptation {
  /**
   * The K cross-fitted SSMs; at prediction time their average answers. They are the very models
   * (trained on the same amount of data) whose out-of-fold predictions calibrated the router, so its
   * threshold transfers, which a model retrained on every row does not (it is more confident).
   */
  ssms: TrainedSsm[];
  temperature: number;
  reliability: LmReliability;
  ssmPrecision: number[];
  gate: GateParameters;
  router: RouterModel;
  operatingPoint: AdapterOperatingPoint;
  curve: CurvePoint[];
  /** With the `macro-f1` metric: the macro-F1 curve the point was chosen on (same thresholds as `curve`). */
  metricCurve?: CurvePoint[];
  estimates: Estimates;
  underfitMap: UnderfitMap;
  complementStrength: number;
  candidates: CandidateSummary[];
  counts: { labelled: number; probedLabelled: number; distilled: number; folds: number };
  timings: { ssmTrainSeconds: number; crossFitSeconds: number };
  /**
   * The out-of-fold outcomes the operating point was chosen on (for studies of the operating-point
   * rule, e.g. `bench/operating-point-study.ts`).
   */
  outOfFold: OutOfFoldOutcomes;
  /** For tests: the fold of each labelled row and the texts each fold's SSM was trained on. */
  audit: { labelledRows: number[]; folds: Int32Array; trainedTexts: (readonly string[])[] };
}
