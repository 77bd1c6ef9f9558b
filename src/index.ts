export { type AdaptOptions, type AdaptResult, adapt } from "./adapt/adapt.js";
export type { LoadedAdapter } from "./adapt/adapter-runtime.js";
export { type LoadAdapterDependencies, loadAdapter } from "./adapt/load-adapter.js";
export type { OperatingCriterion } from "./adapt/operating-point.js";
export * from "./spec/index.js";
