import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { loadRows } from "../../src/data/stream-rows.js";
import { taskFromRows } from "../../src/data/task-from-rows.js";
import { chooseDefaultPoint, defaultRule } from "../../src/fit/operating-point.js";
import type { SsmTrainer } from "../../src/small-models/ssm-trainer.js";
import { trainNgramLinear } from "../../src/small-models/train-ngram-linear.js";
import type { DataRow } from "../../src/spec/dataset.js";
import { percent, points } from "./format.js";
import { outOfFoldOutcomes } from "./out-of-fold-outcomes.js";
import { type OutcomeCache, readOutcomeCache, writeOutcomeCache } from "./outcome-cache.js";
import { allRows, curveOf, mean, type Outcomes } from "./outcomes.js";
import { logProgress, type StudyOptions } from "./study-options.js";
import { addAnswerNoise, nullSsm, randomRouter } from "./synthetic-outcomes.js";

/** One situation the rules are tried in: its out-of-fold outcomes and a one-line summary. */
export interface Scenario {
  name: string;
  outcomes: Outcomes;
  /** What the rule in use picks on all the probed rows (share, estimated accuracy − LM). */
  note: string;
}

/** train.csv + dev.csv of one shared dataset, with the LLM column studied. */
interface StudyDataset {
  labels: string[];
  rows: DataRow[];
  column: string;
}

/** Where fitted outcomes are kept between scenarios (and, with `--cache`, between runs). */
interface FitCache {
  cache: OutcomeCache;
  cacheFile: string;
}

/**
 * Every scenario, in the report's order: the two datasets as `bench` adapts them, banking77 on dev
 * alone, imdb with a weak SSM, banking77 with a noisy LLM, then a random router and a null SSM on
 * each of the first two. Fits each real scenario once (or takes it from the cache).
 */
export async function buildScenarios(datasets: string, options: StudyOptions): Promise<Scenario[]> {
  const scenarios: Scenario[] = [];
  const add = (name: string, outcomes: Outcomes): void => {
    const scenario = describeScenario(name, outcomes);
    scenarios.push(scenario);
    logProgress(`${name}: ${scenario.note}`);
  };
  const banking = await loadStudyDataset(join(datasets, "banking77"), "gpt4");
  const imdb = await loadStudyDataset(join(datasets, "imdb"), "gpt35");
  const defaultTrainer: SsmTrainer = (set) => trainNgramLinear(set);
  const weakTrainer: SsmTrainer = (set) => trainNgramLinear(set, { buckets: 1024, maxEpochs: 1 });
  const fits: FitCache = { cache: await readOutcomeCache(options.cacheFile), cacheFile: options.cacheFile };

  const bankingFull = await fitOnce(fits, "banking77/gpt4", banking, banking.rows, defaultTrainer);
  add("banking77/gpt4", bankingFull);
  const imdbFull = await fitOnce(fits, "imdb/gpt35", imdb, imdb.rows, defaultTrainer);
  add("imdb/gpt35", imdbFull);
  const devOnly = banking.rows.filter((row) => row.columns[banking.column] !== undefined);
  add(
    "banking77/gpt4 dev-only",
    await fitOnce(fits, "banking77/gpt4 dev-only", banking, devOnly, defaultTrainer),
  );
  add("imdb/gpt35 weak-ssm", await fitOnce(fits, "imdb/gpt35 weak-ssm", imdb, imdb.rows, weakTrainer));
  const noisy = addAnswerNoise(banking.rows, banking.column, banking.labels, 0.15, options.seed);
  const noisyName = `banking77/noisy-lm seed ${options.seed}`;
  add("banking77/noisy-lm", await fitOnce(fits, noisyName, banking, noisy, defaultTrainer));
  for (const [name, outcomes] of [
    ["banking77/gpt4", bankingFull],
    ["imdb/gpt35", imdbFull],
  ] as const) {
    add(`${name} random-router`, randomRouter(outcomes, options.seed));
    add(`${name} null-ssm`, nullSsm(outcomes, 0.02, options.seed));
  }
  return scenarios;
}

/** The scenario with its note: accuracies, and what the rule in use picks on all its rows. */
function describeScenario(name: string, outcomes: Outcomes): Scenario {
  const full = chooseDefaultPoint(curveOf(outcomes, allRows(outcomes)), defaultRule);
  return {
    name,
    outcomes,
    note: `${outcomes.scores.length} rows; LM ${percent(mean(outcomes.lmRight))}, SSM ${percent(mean(outcomes.ssmRight))}, routed ${percent(mean(outcomes.gatedRight))}; rule in use: share ${percent(full.lmShare)}, gain ${points(full.gainOverLm)}`,
  };
}

/** The cached outcomes of `name`, or one `fitAdaptation` run whose outcomes are then cached. */
async function fitOnce(
  fits: FitCache,
  name: string,
  dataset: StudyDataset,
  rows: readonly DataRow[],
  trainer: SsmTrainer,
): Promise<Outcomes> {
  const cached = fits.cache.get(name);
  if (cached !== undefined) return cached;
  logProgress(`${name}: fitting`);
  const outcomes = await outOfFoldOutcomes(dataset.labels, rows, dataset.column, trainer);
  fits.cache.set(name, outcomes);
  await writeOutcomeCache(fits.cacheFile, fits.cache);
  return outcomes;
}

/** train.csv and dev.csv (never test.csv), with the labels of labels.txt (or those of train.csv). */
async function loadStudyDataset(directory: string, column: string): Promise<StudyDataset> {
  const train = await loadRows(join(directory, "train.csv"));
  const dev = await loadRows(join(directory, "dev.csv"));
  let labels: string[];
  try {
    labels = (await readFile(join(directory, "labels.txt"), "utf8"))
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== "");
  } catch {
    labels = taskFromRows(directory, train).labels;
  }
  return { labels, rows: [...train, ...dev], column };
}
