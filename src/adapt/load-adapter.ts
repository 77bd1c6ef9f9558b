import type { LargeModel } from "../spec/large-model.js";
import { loadAdapterArtifact } from "./adapter-artifact.js";
import { createAdapterRuntime, type LoadedAdapter } from "./adapter-runtime.js";

export interface LoadAdapterDependencies {
  /** The LM to call for routed inputs; without it routed inputs answer from the SSM (route "fallback"). */
  largeModel?: LargeModel | undefined;
}

/**
 * Loads an adapter folder written by `adapt`: checks its manifest, format version and checksums,
 * and refuses anything broken or mismatched with an ArtifactError.
 */
export async function loadAdapter(
  directory: string,
  dependencies: LoadAdapterDependencies = {},
): Promise<LoadedAdapter> {
  const artifact = await loadAdapterArtifact(directory);
  return createAdapterRuntime({
    description: artifact.description,
    ssms: artifact.ssms,
    largeModel: dependencies.largeModel,
  });
}
