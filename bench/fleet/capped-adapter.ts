import { loadAdapterArtifact, saveAdapterArtifact } from "../../src/adapter/adapter-artifact.js";
import { loadAdapter } from "../../src/adapter/load-adapter.js";

/** The fleet's adapter: the LM-share cap S, and optionally the share of `texts` its router sends to the LLM. */
export interface CappedAdapterSettings {
  share: number;
  router?: { texts: readonly string[]; share: number };
}

/**
 * Writes to `targetDir` a copy of the adapter in `sourceDir` held to `--max-lm-share S` at serve
 * time. Its router is unchanged, or (with `router`) its threshold moved so that it sends that share
 * of the texts to the LLM (say 30%, over a cap of 10%): the fleet's budget, not the router, then
 * decides how many go there.
 */
export async function writeCappedAdapter(
  sourceDir: string,
  targetDir: string,
  settings: CappedAdapterSettings,
): Promise<void> {
  const artifact = await loadAdapterArtifact(sourceDir);
  const { operatingPoint } = artifact.description;
  const threshold =
    settings.router === undefined ? operatingPoint.threshold : await thresholdFor(sourceDir, settings.router);
  await saveAdapterArtifact(targetDir, {
    ...artifact,
    description: {
      ...artifact.description,
      operatingPoint: {
        ...operatingPoint,
        threshold,
        criterion: { kind: "max-lm-share", maxLmShare: settings.share },
      },
    },
  });
}

/** The router threshold that sends `router.share` of `router.texts` (the highest scores) to the LLM. */
async function thresholdFor(sourceDir: string, router: { texts: readonly string[]; share: number }) {
  const adapter = await loadAdapter(sourceDir);
  const scores = router.texts.map((text) => adapter.internals.inspect(text).score).sort((a, b) => b - a);
  const routed = Math.max(1, Math.ceil(router.share * scores.length));
  return scores[Math.min(routed, scores.length) - 1] ?? Number.POSITIVE_INFINITY;
}
