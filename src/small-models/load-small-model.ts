import { ArtifactError } from "../spec/errors/artifact-error.js";
import { KNN_KIND, KnnModel } from "./knn-model.js";
import { readArtifactFile } from "./model-artifact.js";
import { NGRAM_LINEAR_KIND, NgramLinearModel } from "./ngram-linear-model.js";
import type { TrainedSmallModel } from "./trained-small-model.js";

/** Loads a saved small model of any known kind; refuses corrupted, truncated or foreign files whole. */
export async function loadSmallModel(path: string): Promise<TrainedSmallModel> {
  const { header, arrays } = await readArtifactFile(path);
  switch (header["kind"]) {
    case NGRAM_LINEAR_KIND:
      return NgramLinearModel.fromArtifact(header, arrays, path);
    case KNN_KIND:
      return KnnModel.fromArtifact(header, arrays, path);
    default:
      throw new ArtifactError(`unknown small-model kind "${String(header["kind"])}"`, path);
  }
}

/** Rebuilds a small model of any known kind from its `toJSON()` snapshot. */
export function smallModelFromJSON(snapshot: unknown, source = "(snapshot)"): TrainedSmallModel {
  const kind =
    typeof snapshot === "object" && snapshot !== null ? (snapshot as { kind?: unknown }).kind : undefined;
  switch (kind) {
    case NGRAM_LINEAR_KIND:
      return NgramLinearModel.fromJSON(snapshot, source);
    case KNN_KIND:
      return KnnModel.fromJSON(snapshot, source);
    default:
      throw new ArtifactError(`unknown small-model kind "${String(kind)}"`, source);
  }
}
