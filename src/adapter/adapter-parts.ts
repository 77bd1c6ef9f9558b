import { z } from "zod";
import type { Task } from "../spec/task.js";
import { type GateParameters, gateParametersSchema } from "./answer-gate.js";
import { type LmReliability, lmReliabilitySchema } from "./lm-reliability.js";
import {
  type AdapterOperatingPoint,
  operatingCriterionSchema,
  operatingMetricSchema,
  operatingReferenceSchema,
} from "./operating-criterion.js";
import { type RouterModel, routerModelSchema } from "./router.js";
import { routerFeatureNames } from "./router-features.js";

/** adapter.json: everything the runtime needs besides the SSM snapshot. */
export interface AdapterDescription {
  task: Task;
  lmId: string;
  /**
   * The base URL of the LM API the adapter was calibrated against (e.g. "http://localhost:11434/v1"):
   * the CLI's default for the LM it calls. Absent in adapters written before it was recorded, and
   * where the caller of `adapt()` did not say.
   */
  lmBaseUrl?: string;
  ssmKind: string;
  /** The number of cross-fitted SSMs, stored as ssm-1.bin … ssm-K.bin. */
  ssmCount: number;
  temperature: number;
  reliability: LmReliability;
  ssmPrecision: number[];
  gate: GateParameters;
  routerFeatures: string[];
  router: RouterModel;
  operatingPoint: AdapterOperatingPoint;
  complementStrength: number;
  fingerprints: { train: string; calib: string };
  versions: { easyAdapt: string; node: string };
  createdAt: string;
}

const taskSchema = z.object({
  name: z.string().min(1),
  labels: z.array(z.string().min(1)).min(2),
  instructions: z.string().optional(),
  examples: z.array(z.object({ text: z.string(), label: z.string() })).optional(),
});

export const adapterDescriptionSchema = z.object({
  task: taskSchema,
  lmId: z.string(),
  lmBaseUrl: z.string().optional(),
  ssmKind: z.string(),
  ssmCount: z.number().int().min(1).max(64),
  temperature: z.number().positive(),
  reliability: lmReliabilitySchema,
  ssmPrecision: z.array(z.number()),
  gate: gateParametersSchema,
  routerFeatures: z
    .array(z.string())
    .refine(
      (names) =>
        names.length === routerFeatureNames.length &&
        names.every((name, index) => name === routerFeatureNames[index]),
      "router features differ from this version's",
    ),
  router: routerModelSchema,
  operatingPoint: z.object({
    threshold: z
      .number()
      .nullable()
      .transform((value) => value ?? Number.POSITIVE_INFINITY),
    lmShare: z.number(),
    estimatedAccuracy: z.number(),
    criterion: operatingCriterionSchema,
    metric: operatingMetricSchema.optional(),
    estimatedMacroF1: z.number().optional(),
    reference: operatingReferenceSchema.optional(),
  }),
  complementStrength: z.number(),
  fingerprints: z.object({ train: z.string(), calib: z.string() }),
  versions: z.object({ easyAdapt: z.string(), node: z.string() }),
  createdAt: z.string(),
});
