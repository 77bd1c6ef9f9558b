import { loadAdapterArtifact, saveAdapterArtifact } from "../../src/adapter/adapter-artifact.js";

/**
 * Writes to `targetDir` a copy of the adapter in `sourceDir` held to `--max-lm-share share` at
 * serve time, its router unchanged: it still wants the LLM for the inputs it wanted it for (say 30%
 * of them), so the fleet's budget, not the router, decides how many go there.
 */
export async function writeCappedAdapter(sourceDir: string, targetDir: string, share: number): Promise<void> {
  const artifact = await loadAdapterArtifact(sourceDir);
  const { operatingPoint } = artifact.description;
  await saveAdapterArtifact(targetDir, {
    ...artifact,
    description: {
      ...artifact.description,
      operatingPoint: { ...operatingPoint, criterion: { kind: "max-lm-share", maxLmShare: share } },
    },
  });
}
