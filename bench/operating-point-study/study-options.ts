/** The operating-point study's settings, from its command line. */
export interface StudyOptions {
  /** Random splits per selection share. */
  splitCount: number;
  /** The shares of the probed rows a rule chooses on in each split (the rest measure it). */
  selectionShares: number[];
  seed: number;
  /** Print the results as JSON instead of the markdown tables. */
  json: boolean;
  /** Where to keep the out-of-fold outcomes between runs (optional, "" for none; the fits take ~2 minutes). */
  cacheFile: string;
}

/** The criterion: at most this share of splits more than 0.5 points below the LM, in every scenario. */
export const maxBelowShare = 0.05;
/** Mean LM shares closer than this are a tie, won by the simpler rule. */
export const shareTie = 0.005;

/** `--splits 200 --selection 0.5,0.67 --seed 1 --json --cache FILE`, each optional. */
export function parseStudyOptions(commandLine: readonly string[]): StudyOptions {
  const option = (name: string, fallback: string): string => {
    const index = commandLine.indexOf(name);
    return index >= 0 ? (commandLine[index + 1] ?? fallback) : fallback;
  };
  return {
    splitCount: Number(option("--splits", "200")),
    selectionShares: option("--selection", "0.5,0.67").split(",").map(Number),
    seed: Number(option("--seed", "1")),
    json: commandLine.includes("--json"),
    cacheFile: option("--cache", ""),
  };
}

/** A progress line on stderr (stdout carries the report). */
export function logProgress(message: string): void {
  process.stderr.write(`${message}\n`);
}
