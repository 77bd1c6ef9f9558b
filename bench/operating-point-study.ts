/**
 * The study behind the `default` operating-point rule (src/fit/operating-point.ts), on train.csv
 * and dev.csv only (test.csv is never read):
 *
 *   npm run study:operating-point -- [--splits 200] [--seed 1] [--selection 0.5,0.67]
 *       [--cache /tmp/operating-point-outcomes.json] [--json]
 *   (that is `npm run build:bench && node dist-bench/bench/operating-point-study.js …`; from source,
 *   `npx tsx bench/operating-point-study.ts …`; ~2 minutes on 2 cores, seconds with a filled --cache,
 *   which keeps the out-of-fold outcomes between runs)
 *
 * For each scenario, ONE `fitAdaptation` run (the `adapt` pipeline, 5-fold cross-fitting) gives the
 * out-of-fold outcomes of the probed labelled rows: the router's score, whether the SSM alone, the
 * routed answer and the LM alone are right. Then, `--splits` times per selection share, those rows
 * are split at random into a selection part (50%, then 67%) and an evaluation part: each candidate
 * rule chooses its operating point on the selection part's curve (as `adapt` does on all the rows),
 * and that point's router threshold is applied to the evaluation part, whose adapted accuracy is
 * compared with the LM alone's on the same rows, and whose LM share is the cost. The evaluation part
 * (237–355 rows on imdb) is about as noisy as imdb's 290-row test split.
 *
 * The verdict: a rule qualifies when, in every scenario and at both selection shares, at most 5% of
 * the splits are more than 0.5 points below the LM alone and the mean is not below it (−0.01
 * points); of those, the lowest mean LM share wins, a tie (within 0.5 points of share) going to
 * the simplest rule (the earliest listed).
 *
 * Scenarios (LLM columns present on dev/train only):
 * - `banking77/gpt4`: train (gold only) + dev (gold + gpt4), dev probed — what `bench` adapts on;
 * - `imdb/gpt35`: train + dev, all probed;
 * - `banking77/gpt4 dev-only`: only the 1,001 dev rows (a weak SSM: ~10 examples per intent);
 * - `imdb/gpt35 weak-ssm`: a crippled SSM (2^10 buckets, 1 epoch);
 * - `banking77/noisy-lm`: gpt4's answer replaced by a random label on 15% of the dev rows (a weaker LLM);
 * - `… random-router`: the scenario's outcomes with random router scores (a router that knows nothing);
 * - `… null-ssm`: an SSM 2 points below the LM with errors independent of it, the routed answer the
 *   LM's, random scores (an SSM that is useless for routing).
 *
 * The same splits also compare two readings of `--max-lm-share S` (caps 85%, 50%, 30%, 12%): the
 * most accurate point under the cap (ties: the cheaper; the rule before) and `chooseCappedPoint`
 * (the most accurate point under the cap that is safe by the default rule's test, ties: the
 * costlier; none safe: the costliest under the cap).
 */

import { formatJsonReport, formatMarkdownReport } from "./operating-point-study/report.js";
import { studiedRules } from "./operating-point-study/rules.js";
import { buildScenarios } from "./operating-point-study/scenarios.js";
import { type CapResult, type RuleResult, studyCaps, studyScenario } from "./operating-point-study/splits.js";
import { parseStudyOptions } from "./operating-point-study/study-options.js";
import { chooseRule, verdictOf } from "./operating-point-study/verdict.js";
import { sharedDatasetsDir } from "./shared-datasets.js";

/** Builds the scenarios, runs every rule and cap reading over the random splits, and prints the report. */
async function main(): Promise<void> {
  const options = parseStudyOptions(process.argv.slice(2));
  const datasets = sharedDatasetsDir();
  if (datasets === undefined) throw new Error("no ../shared/datasets beside the repository");
  const scenarios = await buildScenarios(datasets, options);
  const results: RuleResult[] = [];
  const capResults: CapResult[] = [];
  for (const selectionShare of options.selectionShares) {
    scenarios.forEach((scenario, index) => {
      results.push(...studyScenario(scenario, index, selectionShare, options));
      capResults.push(...studyCaps(scenario, index, selectionShare, options));
    });
  }
  const verdicts = studiedRules.map((named) => verdictOf(named, results));
  const study = { scenarios, results, capResults, verdicts, chosen: chooseRule(verdicts) };
  process.stdout.write(
    options.json ? formatJsonReport(study, options) : formatMarkdownReport(study, options),
  );
}

await main();
