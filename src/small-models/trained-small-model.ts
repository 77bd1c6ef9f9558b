import type { SmallModel } from "../spec/small-model.js";

/** What every small-model kind here offers beyond the SmallModel contract. */
export interface TrainedSmallModel extends SmallModel {
  /** Writes one probability per label (in `labels` order) into `out` without allocating. */
  predictProbaInto(text: string, out: Float32Array): void;
  /** Share in [0, 1] of the text's distinct hashed features never seen in training. */
  novelty(text: string): number;
  /** Saves the versioned, checksummed binary artifact (atomically). */
  save(path: string): Promise<void>;
}
