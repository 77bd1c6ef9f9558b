import { availableParallelism } from "node:os";
import { defaultFoldCount } from "../fit/fit-adaptation.js";
import { UsageError } from "../spec/errors/usage-error.js";

/**
 * Below this many texts, cross-fitting takes a few seconds at most and the default trains on the
 * calling thread alone: starting a thread (and handing it the sets) would cost about what it saves.
 */
export const minTextsForTrainingThreads = 1000;
/** The most worker threads the default starts (cross-fitting's 5 folds keep at most 4 busy, the last few alone). */
const maxDefaultWorkers = 3;

/**
 * How many worker threads train fold models beside the calling thread. `threads` (the calling
 * thread included; 1 = the calling thread alone) is capped at one per fold. By default: one
 * thread per core beyond the calling thread's, at most 3 and one per fold, from
 * `minTextsForTrainingThreads` texts.
 */
export function trainingWorkerCount(
  threads: number | undefined,
  foldCount: number | undefined,
  textCount: number,
): number {
  const folds = foldCount ?? defaultFoldCount;
  if (threads !== undefined) {
    if (!Number.isInteger(threads) || threads < 1) {
      throw new UsageError(`trainingThreads must be a whole number from 1, got ${threads}`);
    }
    return Math.max(0, Math.min(threads, folds) - 1);
  }
  if (textCount < minTextsForTrainingThreads) return 0;
  return Math.max(0, Math.min(availableParallelism() - 1, folds - 1, maxDefaultWorkers));
}
