import type { Adapter } from "../spec/adapter.js";
import { modelNotFound, modelRequired } from "./openai/request-errors.js";
import type { PredictionService } from "./prediction-service.js";
import type { NamedAdapter } from "./served-adapters.js";

/**
 * A served adapter as the routes see it: its name, the adapter, and its prediction service. A hot
 * reload swaps `adapter` and `predictions` together (the object stays): a request reads both once,
 * when it picks the model, and finishes on them.
 */
export interface ServedModel extends NamedAdapter {
  adapter: Adapter;
  predictions: PredictionService;
}

/** The models a server serves, in order, and the one a request's `model` picks. */
export interface ModelDirectory {
  readonly models: readonly ServedModel[];
  /** The model names, in order. */
  readonly names: readonly string[];
  /**
   * The model a request's `model` names. A request without one gets the only model of a server that
   * serves one (else a 400); a server that serves one adapter also takes its task name (it differs
   * from its model name when the adapter was given another name). Any other name is a 404 naming
   * the models served.
   */
  pick(model: string | undefined): ServedModel;
}

/** The directory of `models` (their names are distinct: `namedAdapters` checked them). */
export function createModelDirectory(models: readonly ServedModel[]): ModelDirectory {
  const byName = new Map(models.map((model) => [model.name, model]));
  const names = models.map((model) => model.name);
  const only = models.length === 1 ? models[0] : undefined;
  return {
    models,
    names,
    pick(model) {
      if (model === undefined) {
        if (only !== undefined) return only;
        throw modelRequired(names);
      }
      const named = byName.get(model);
      if (named !== undefined) return named;
      if (only !== undefined && model === only.adapter.task.name) return only;
      throw modelNotFound(model, names);
    },
  };
}
