import type { ProgressListener } from "../../spec/logger.js";

/** Counts the fold models trained and reports them as the "train SSMs" stage. */
export interface TrainingProgress {
  /** Reports the trainings done so far, with `detail`. */
  report(detail: string): void;
  /** Counts one more fold model trained. */
  trainingDone(): void;
}

/** Progress of `total` fold trainings, reported to `onProgress` (if any). */
export function createTrainingProgress(
  onProgress: ProgressListener | undefined,
  total: number,
): TrainingProgress {
  let done = 0;
  return {
    report: (detail) => onProgress?.({ stage: "train SSMs", done, total, detail }),
    trainingDone: () => {
      done += 1;
    },
  };
}
