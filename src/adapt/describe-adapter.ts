import { createHash } from "node:crypto";
import type { AdapterDescription } from "../adapter/adapter-parts.js";
import { libraryVersion } from "../adapter/library-version.js";
import { routerFeatureNames } from "../adapter/router-features.js";
import type { FittedAdaptation } from "../fit/fitted-adaptation.js";
import type { TrainedSsm } from "../small-models/ssm-trainer.js";
import type { DataRow } from "../spec/dataset.js";
import type { LargeModel } from "../spec/large-model.js";
import type { Task } from "../spec/task.js";

/** What `describeAdapter` reads besides the fit (a subset of `AdaptOptions`). */
export interface DescribeAdapterOptions {
  task: Task;
  largeModel: LargeModel;
  /** The base URL of the LM's API, recorded in the description when given. */
  lmBaseUrl?: string;
  trainRows: readonly DataRow[];
  calibRows: readonly DataRow[];
  fingerprints?: { train: string; calib: string };
}

/**
 * The adapter's description (its manifest): the task, the LM, the SSMs' kind and count, and the
 * fitted temperature, reliability, gate, router and operating point, with the data's fingerprints
 * (sha256 of the rows when none are given) and the versions that made it.
 */
export function describeAdapter(
  options: DescribeAdapterOptions,
  fitted: FittedAdaptation,
  ssms: readonly TrainedSsm[],
): AdapterDescription {
  return {
    task: options.task,
    lmId: options.largeModel.id,
    ...(options.lmBaseUrl === undefined ? {} : { lmBaseUrl: options.lmBaseUrl }),
    ssmKind: ssms[0]?.kind ?? "ngram-linear",
    ssmCount: ssms.length,
    temperature: fitted.temperature,
    reliability: fitted.reliability,
    ssmPrecision: fitted.ssmPrecision,
    gate: fitted.gate,
    routerFeatures: [...routerFeatureNames],
    router: fitted.router,
    operatingPoint: fitted.operatingPoint,
    complementStrength: fitted.complementStrength,
    fingerprints: options.fingerprints ?? {
      train: fingerprintRows(options.trainRows),
      calib: fingerprintRows(options.calibRows),
    },
    versions: { easyAdapt: libraryVersion(), node: process.versions.node },
    createdAt: new Date().toISOString(),
  };
}

/** sha256 over every row's text and label. */
function fingerprintRows(rows: readonly DataRow[]): string {
  const hash = createHash("sha256");
  for (const row of rows) hash.update(`${row.text}\u0000${row.label ?? ""}\u0001`);
  return hash.digest("hex");
}
