/**
 * The study behind the `default` operating-point rule (src/adapt/operating-point.ts), on train.csv
 * and dev.csv only (test.csv is never read):
 *
 *   npx tsx bench/operating-point-study.ts [--splits 200] [--seed 1] [--selection 0.5,0.67]
 *       [--cache /tmp/operating-point-outcomes.json] [--json]
 *   (or `npm run build` then `node dist-bench/bench/operating-point-study.js …`; ~2 minutes on 2 cores,
 *   seconds with a filled --cache, which keeps the out-of-fold outcomes between runs)
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
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { sharedDatasetsDir } from "../src/data/shared-datasets.js";
import { loadRows } from "../src/data/stream-rows.js";
import { taskFromRows } from "../src/data/task-from-rows.js";
import { fitAdaptation, notAsked, unusableAnswer } from "../src/fit/fit-adaptation.js";
import {
  type CurvePoint,
  chooseCappedPoint,
  chooseDefaultPoint,
  type DefaultRule,
  defaultRule,
  estimateCurve,
} from "../src/fit/operating-point.js";
import type { SsmTrainer } from "../src/small-models/ssm-trainer.js";
import { trainNgramLinear } from "../src/small-models/train-ngram-linear.js";
import type { DataRow } from "../src/spec/dataset.js";
import { createSeededRandom, shuffleInPlace } from "../src/util/seeded-random.js";

interface Outcomes {
  scores: Float64Array;
  ssmRight: Uint8Array;
  gatedRight: Uint8Array;
  lmRight: Uint8Array;
}

interface Scenario {
  name: string;
  outcomes: Outcomes;
  /** What the rule in use picks on all the probed rows (share, estimated accuracy − LM). */
  note: string;
}

interface NamedRule {
  name: string;
  rule: DefaultRule;
}

interface RuleResult {
  scenario: string;
  rule: string;
  selectionShare: number;
  splits: number;
  meanGain: number;
  belowHalfPoint: number;
  meanLmShare: number;
  fullShare: number;
  fullGain: number;
}

const arguments_ = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const index = arguments_.indexOf(name);
  return index >= 0 ? (arguments_[index + 1] ?? fallback) : fallback;
};
const splitCount = Number(option("--splits", "200"));
/** The shares of the probed rows a rule chooses on in each split (the rest measure it). */
const selectionShares = option("--selection", "0.5,0.67").split(",").map(Number);
/** The criterion: at most this share of splits more than 0.5 points below the LM, in every scenario. */
const maxBelowShare = 0.05;
/** Mean LM shares closer than this are a tie, won by the simpler rule. */
const shareTie = 0.005;
const seed = Number(option("--seed", "1"));
const json = arguments_.includes("--json");
/** Where to keep the out-of-fold outcomes between runs (optional; the fits take ~2 minutes). */
const cacheFile = option("--cache", "");
const log = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

const rules: NamedRule[] = [];
const rule = (name: string, changes: Partial<DefaultRule>): void => {
  rules.push({ name, rule: { ...baseRule, ...changes } });
};
/** The rule as it was before this study (z 2.326, 0.2 point + 1 SE, every costlier point, no margin). */
const baseRule: DefaultRule = {
  safetyZ: 2.326,
  tolerance: 0.002,
  nearStandardErrors: 1,
  everyCostlier: true,
  margin: 0,
  pseudoDiffering: 0,
};
for (const z of [0, 1, 1.645, 2.326, 3])
  rule(z === 2.326 ? "z 2.326 (the rule before)" : `z ${z}`, { safetyZ: z });
rule("z 2.326, tol 0.5 pt", { tolerance: 0.005 });
rule("z 1.645, point only", { safetyZ: 1.645, everyCostlier: false });
for (const z of [1, 1.645, 2.326]) {
  for (const pseudo of [1, 4]) {
    for (const margin of [0, 0.0025, 0.005]) {
      rule(`z ${z}, +${pseudo} differing, margin ${margin * 100} pt`, {
        safetyZ: z,
        pseudoDiffering: pseudo,
        margin,
      });
    }
  }
}

/** The caps `--max-lm-share` is studied at, and its two readings. */
const caps = [0.85, 0.5, 0.3, 0.12];
const capRules: { name: string; choose: (curve: readonly CurvePoint[], cap: number) => CurvePoint }[] = [
  {
    name: "most accurate under the cap (before)",
    choose: (curve, cap) => {
      let chosen = curve[0] ?? curve[curve.length - 1];
      for (const point of curve) {
        if (point.lmShare <= cap + 1e-12 && (chosen === undefined || point.accuracy > chosen.accuracy))
          chosen = point;
      }
      if (chosen === undefined) throw new Error("empty curve");
      return chosen;
    },
  },
  { name: "chooseCappedPoint (in use)", choose: (curve, cap) => chooseCappedPoint(curve, cap, defaultRule) },
];

interface CapResult {
  scenario: string;
  cap: number;
  rule: string;
  selectionShare: number;
  meanGain: number;
  belowHalfPoint: number;
  meanLmShare: number;
}

async function main(): Promise<void> {
  const datasets = sharedDatasetsDir();
  if (datasets === undefined) throw new Error("no ../shared/datasets beside the repository");
  const scenarios: Scenario[] = [];
  const add = (name: string, outcomes: Outcomes): void => {
    const full = chooseDefaultPoint(curveOf(outcomes, allRows(outcomes)), defaultRule);
    scenarios.push({
      name,
      outcomes,
      note: `${outcomes.scores.length} rows; LM ${percent(mean(outcomes.lmRight))}, SSM ${percent(mean(outcomes.ssmRight))}, routed ${percent(mean(outcomes.gatedRight))}; rule in use: share ${percent(full.lmShare)}, gain ${points(full.gainOverLm)}`,
    });
    log(`${name}: ${scenarios.at(-1)?.note}`);
  };

  const banking = await loadDataset(join(datasets, "banking77"), "gpt4");
  const imdb = await loadDataset(join(datasets, "imdb"), "gpt35");
  const defaultTrainer: SsmTrainer = (set) => trainNgramLinear(set);
  const weakTrainer: SsmTrainer = (set) => trainNgramLinear(set, { buckets: 1024, maxEpochs: 1 });

  const cache = await readCache();
  const fitOnce = async (
    name: string,
    labels: readonly string[],
    rows: readonly DataRow[],
    column: string,
    trainer: SsmTrainer,
  ): Promise<Outcomes> => {
    const cached = cache.get(name);
    if (cached !== undefined) return cached;
    log(`${name}: fitting`);
    const outcomes = await outOfFold(labels, rows, column, trainer);
    cache.set(name, outcomes);
    await writeCache(cache);
    return outcomes;
  };
  const bankingFull = await fitOnce(
    "banking77/gpt4",
    banking.labels,
    banking.rows,
    banking.column,
    defaultTrainer,
  );
  add("banking77/gpt4", bankingFull);
  const imdbFull = await fitOnce("imdb/gpt35", imdb.labels, imdb.rows, imdb.column, defaultTrainer);
  add("imdb/gpt35", imdbFull);
  const devOnly = banking.rows.filter((row) => row.columns[banking.column] !== undefined);
  add(
    "banking77/gpt4 dev-only",
    await fitOnce("banking77/gpt4 dev-only", banking.labels, devOnly, banking.column, defaultTrainer),
  );
  add(
    "imdb/gpt35 weak-ssm",
    await fitOnce("imdb/gpt35 weak-ssm", imdb.labels, imdb.rows, imdb.column, weakTrainer),
  );
  const noisy = addAnswerNoise(banking.rows, banking.column, banking.labels, 0.15, seed);
  add(
    "banking77/noisy-lm",
    await fitOnce(`banking77/noisy-lm seed ${seed}`, banking.labels, noisy, banking.column, defaultTrainer),
  );
  for (const [name, outcomes] of [
    ["banking77/gpt4", bankingFull],
    ["imdb/gpt35", imdbFull],
  ] as const) {
    add(`${name} random-router`, randomRouter(outcomes, seed));
    add(`${name} null-ssm`, nullSsm(outcomes, 0.02, seed));
  }

  const results: RuleResult[] = [];
  const capResults: CapResult[] = [];
  for (const selectionShare of selectionShares) {
    scenarios.forEach((scenario, index) => {
      results.push(...studyScenario(scenario, index, selectionShare));
      capResults.push(...studyCaps(scenario, index, selectionShare));
    });
  }
  const verdicts = rules.map((named) => verdictOf(named, results));
  // The cheapest qualifying rule; rules within `shareTie` of its LM share are a tie (noise), won by
  // the simplest (the earliest listed: fewest changes to the rule).
  const qualifying = verdicts.filter((verdict) => verdict.qualifies);
  const cheapest = Math.min(...qualifying.map((verdict) => verdict.pooledShare));
  const chosen = qualifying.find((verdict) => verdict.pooledShare <= cheapest + shareTie);

  if (json) {
    const summary = {
      splits: splitCount,
      seed,
      selectionShares,
      scenarios: scenarios.map(({ name, note }) => ({ name, note })),
    };
    process.stdout.write(
      `${JSON.stringify({ ...summary, results, verdicts, chosen: chosen?.rule ?? null, capResults }, null, 2)}\n`,
    );
    return;
  }
  const lines: string[] = [
    `# Operating-point rule study (train + dev only; ${splitCount} random splits per selection share, seed ${seed})`,
    "",
  ];
  for (const scenario of scenarios) lines.push(`- ${scenario.name}: ${scenario.note}`);
  for (const selectionShare of selectionShares) {
    lines.push(
      "",
      `## Choosing on ${percent(selectionShare)} of the rows, measuring on the rest`,
      "",
      "Each cell: mean (measured adapted accuracy − LM alone's, points) / splits more than 0.5 points below the LM / mean LM share.",
      "",
      `| rule | ${scenarios.map((scenario) => scenario.name).join(" | ")} |`,
      `|---|${scenarios.map(() => "---").join("|")}|`,
    );
    for (const named of rules) {
      const cells = scenarios.map((scenario) => {
        const result = results.find(
          (entry) =>
            entry.rule === named.name &&
            entry.scenario === scenario.name &&
            entry.selectionShare === selectionShare,
        );
        return splitCell(result);
      });
      lines.push(`| ${named.name} | ${cells.join(" | ")} |`);
    }
  }
  lines.push(
    "",
    "## Each rule's pick on all the probed rows (what `adapt` would keep): LM share / estimated gain over the LM (points)",
    "",
    `| rule | ${scenarios.map((scenario) => scenario.name).join(" | ")} |`,
    `|---|${scenarios.map(() => "---").join("|")}|`,
  );
  for (const named of rules) {
    const cells = scenarios.map((scenario) => {
      const result = results.find((entry) => entry.rule === named.name && entry.scenario === scenario.name);
      return result === undefined ? "–" : `${percent(result.fullShare)} / ${points(result.fullGain)}`;
    });
    lines.push(`| ${named.name} | ${cells.join(" | ")} |`);
  }
  lines.push(
    "",
    `## Verdict: worst scenario at most ${percent(maxBelowShare, 0)} of splits more than 0.5 points below the LM, no scenario's mean below the LM (−0.01 points), then the lowest mean LM share (within ${points(shareTie)} points: the simplest rule)`,
    "",
    "| rule | worst < LM − 0.5 | lowest scenario mean | mean LM share | qualifies |",
    "|---|---|---|---|---|",
  );
  for (const verdict of verdicts) {
    lines.push(
      `| ${verdict.rule} | ${percent(verdict.worstBelow, 1)} | ${points(verdict.lowestMean)} | ${percent(verdict.pooledShare, 2)} | ${verdict.qualifies ? "yes" : "no"} |`,
    );
  }
  lines.push("", `Chosen: ${chosen?.rule ?? "none qualifies"}`);
  for (const selectionShare of selectionShares) {
    lines.push(
      "",
      `## --max-lm-share: choosing on ${percent(selectionShare)} of the rows, measuring on the rest`,
      "",
      "Each cell: mean gain over the LM alone (points) / splits more than 0.5 points below it / mean LM share.",
      "",
      `| cap | rule | ${scenarios.map((scenario) => scenario.name).join(" | ")} |`,
      `|---|---|${scenarios.map(() => "---").join("|")}|`,
    );
    for (const cap of caps) {
      for (const capRule of capRules) {
        const cells = scenarios.map((scenario) => {
          const result = capResults.find(
            (entry) =>
              entry.cap === cap &&
              entry.rule === capRule.name &&
              entry.scenario === scenario.name &&
              entry.selectionShare === selectionShare,
          );
          return splitCell(result);
        });
        lines.push(`| ${percent(cap, 0)} | ${capRule.name} | ${cells.join(" | ")} |`);
      }
    }
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

/** Every rule on one scenario: `splitCount` random splits, each rule choosing on the selection part. */
function studyScenario(scenario: Scenario, scenarioIndex: number, selectionShare: number): RuleResult[] {
  const random = createSeededRandom(seed * 7919 + Math.round(selectionShare * 1000) * 31 + scenarioIndex);
  const count = scenario.outcomes.scores.length;
  const order = Int32Array.from({ length: count }, (_, index) => index);
  const totals = rules.map(() => ({ gain: 0, below: 0, share: 0 }));
  for (let split = 0; split < splitCount; split += 1) {
    shuffleInPlace(order, random);
    const selectionCount = Math.floor(count * selectionShare);
    const selection = Array.from(order.subarray(0, selectionCount));
    const evaluation = Array.from(order.subarray(selectionCount));
    const curve = curveOf(scenario.outcomes, selection);
    rules.forEach((named, index) => {
      const point = chooseDefaultPoint(curve, named.rule);
      const measured = applyThreshold(scenario.outcomes, evaluation, point.threshold);
      const total = totals[index];
      if (total === undefined) return;
      total.gain += measured.gain;
      total.share += measured.lmShare;
      if (measured.gain < -0.005 - 1e-12) total.below += 1;
    });
  }
  const fullCurve = curveOf(scenario.outcomes, allRows(scenario.outcomes));
  return rules.map((named, index) => {
    const total = totals[index] ?? { gain: 0, below: 0, share: 0 };
    const full = chooseDefaultPoint(fullCurve, named.rule);
    return {
      scenario: scenario.name,
      rule: named.name,
      selectionShare,
      splits: splitCount,
      meanGain: total.gain / splitCount,
      belowHalfPoint: total.below / splitCount,
      meanLmShare: total.share / splitCount,
      fullShare: full.lmShare,
      fullGain: full.gainOverLm,
    };
  });
}

/** Both readings of `--max-lm-share` at every cap on one scenario, over the same kind of random splits. */
function studyCaps(scenario: Scenario, scenarioIndex: number, selectionShare: number): CapResult[] {
  const random = createSeededRandom(seed * 104_729 + Math.round(selectionShare * 1000) * 37 + scenarioIndex);
  const count = scenario.outcomes.scores.length;
  const order = Int32Array.from({ length: count }, (_, index) => index);
  const totals = caps.map(() => capRules.map(() => ({ gain: 0, below: 0, share: 0 })));
  for (let split = 0; split < splitCount; split += 1) {
    shuffleInPlace(order, random);
    const selectionCount = Math.floor(count * selectionShare);
    const curve = curveOf(scenario.outcomes, Array.from(order.subarray(0, selectionCount)));
    const evaluation = Array.from(order.subarray(selectionCount));
    caps.forEach((cap, capIndex) => {
      capRules.forEach((capRule, ruleIndex) => {
        const measured = applyThreshold(scenario.outcomes, evaluation, capRule.choose(curve, cap).threshold);
        const total = totals[capIndex]?.[ruleIndex];
        if (total === undefined) return;
        total.gain += measured.gain;
        total.share += measured.lmShare;
        if (measured.gain < -0.005 - 1e-12) total.below += 1;
      });
    });
  }
  return caps.flatMap((cap, capIndex) =>
    capRules.map((capRule, ruleIndex) => {
      const total = totals[capIndex]?.[ruleIndex] ?? { gain: 0, below: 0, share: 0 };
      return {
        scenario: scenario.name,
        cap,
        rule: capRule.name,
        selectionShare,
        meanGain: total.gain / splitCount,
        belowHalfPoint: total.below / splitCount,
        meanLmShare: total.share / splitCount,
      };
    }),
  );
}

interface Verdict {
  rule: string;
  worstBelow: number;
  lowestMean: number;
  pooledShare: number;
  qualifies: boolean;
}

/** The study's criterion, over every scenario and selection share. */
function verdictOf(named: NamedRule, results: readonly RuleResult[]): Verdict {
  const mine = results.filter((entry) => entry.rule === named.name);
  const worstBelow = Math.max(...mine.map((entry) => entry.belowHalfPoint));
  const lowestMean = Math.min(...mine.map((entry) => entry.meanGain));
  return {
    rule: named.name,
    worstBelow,
    lowestMean,
    pooledShare: average(mine.map((entry) => entry.meanLmShare)),
    qualifies: worstBelow <= maxBelowShare + 1e-12 && lowestMean >= -0.0001,
  };
}

async function loadDataset(
  directory: string,
  column: string,
): Promise<{ labels: string[]; rows: DataRow[]; column: string }> {
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

/** One `fitAdaptation` run over labelled rows; rows with the LLM column are probed. */
async function outOfFold(
  labels: readonly string[],
  rows: readonly DataRow[],
  column: string,
  trainer: SsmTrainer,
): Promise<Outcomes> {
  const ids = new Map(labels.map((label, index) => [label, index]));
  const goldIds = Int32Array.from(rows, (row) => ids.get(row.label ?? "") ?? -1);
  const answerIds = Int32Array.from(rows, (row) => {
    const answer = row.columns[column];
    if (answer === undefined) return notAsked;
    return ids.get(answer) ?? unusableAnswer;
  });
  const started = performance.now();
  const fitted = await fitAdaptation(
    { labels, texts: rows.map((row) => row.text), goldIds, answerIds },
    { trainer, criterion: { kind: "default" } },
  );
  log(
    `  fitAdaptation: ${((performance.now() - started) / 1000).toFixed(1)} s, router ${fitted.outOfFold.routerKind}, gate ${JSON.stringify(fitted.gate)}`,
  );
  const { scores, ssmRight, gatedRight, lmRight } = fitted.outOfFold;
  return { scores, ssmRight, gatedRight, lmRight };
}

const cachedOutcomesSchema = z.record(
  z.string(),
  z.object({
    scores: z.array(z.number()),
    ssmRight: z.array(z.number()),
    gatedRight: z.array(z.number()),
    lmRight: z.array(z.number()),
  }),
);

async function readCache(): Promise<Map<string, Outcomes>> {
  const cache = new Map<string, Outcomes>();
  if (cacheFile === "" || !existsSync(cacheFile)) return cache;
  const parsed = cachedOutcomesSchema.parse(JSON.parse(await readFile(cacheFile, "utf8")));
  for (const [name, entry] of Object.entries(parsed)) {
    cache.set(name, {
      scores: Float64Array.from(entry.scores),
      ssmRight: Uint8Array.from(entry.ssmRight),
      gatedRight: Uint8Array.from(entry.gatedRight),
      lmRight: Uint8Array.from(entry.lmRight),
    });
  }
  return cache;
}

async function writeCache(cache: Map<string, Outcomes>): Promise<void> {
  if (cacheFile === "") return;
  const plain = Object.fromEntries(
    [...cache].map(([name, outcomes]) => [
      name,
      {
        scores: Array.from(outcomes.scores),
        ssmRight: Array.from(outcomes.ssmRight),
        gatedRight: Array.from(outcomes.gatedRight),
        lmRight: Array.from(outcomes.lmRight),
      },
    ]),
  );
  await writeFile(cacheFile, JSON.stringify(plain));
}

function addAnswerNoise(
  rows: readonly DataRow[],
  column: string,
  labels: readonly string[],
  rate: number,
  noiseSeed: number,
): DataRow[] {
  const random = createSeededRandom(noiseSeed * 31 + 17);
  return rows.map((row) => {
    if (row.columns[column] === undefined || random() >= rate) return row;
    const label = labels[Math.floor(random() * labels.length)] ?? "";
    return { ...row, columns: { ...row.columns, [column]: label } };
  });
}

function randomRouter(outcomes: Outcomes, routerSeed: number): Outcomes {
  const random = createSeededRandom(routerSeed * 101 + 3);
  return { ...outcomes, scores: Float64Array.from(outcomes.scores, () => random()) };
}

/** An SSM `deficit` below the LM, wrong independently of it; the routed answer is the LM's. */
function nullSsm(outcomes: Outcomes, deficit: number, ssmSeed: number): Outcomes {
  const random = createSeededRandom(ssmSeed * 131 + 5);
  const accuracy = mean(outcomes.lmRight) - deficit;
  return {
    scores: Float64Array.from(outcomes.scores, () => random()),
    ssmRight: Uint8Array.from(outcomes.ssmRight, () => (random() < accuracy ? 1 : 0)),
    gatedRight: Uint8Array.from(outcomes.lmRight),
    lmRight: outcomes.lmRight,
  };
}

function curveOf(outcomes: Outcomes, rows: readonly number[]): CurvePoint[] {
  return estimateCurve(
    Float64Array.from(rows, (row) => outcomes.scores[row] ?? 0),
    Uint8Array.from(rows, (row) => outcomes.ssmRight[row] ?? 0),
    Uint8Array.from(rows, (row) => outcomes.gatedRight[row] ?? 0),
    Uint8Array.from(rows, (row) => outcomes.lmRight[row] ?? 0),
  );
}

/** Routes the rows scored at or above `threshold` (as the adapter does) and measures them. */
function applyThreshold(
  outcomes: Outcomes,
  rows: readonly number[],
  threshold: number,
): { gain: number; lmShare: number } {
  let gain = 0;
  let routed = 0;
  for (const row of rows) {
    const toLm = (outcomes.scores[row] ?? 0) >= threshold;
    if (toLm) routed += 1;
    const right = toLm ? (outcomes.gatedRight[row] ?? 0) : (outcomes.ssmRight[row] ?? 0);
    gain += right - (outcomes.lmRight[row] ?? 0);
  }
  const count = Math.max(rows.length, 1);
  return { gain: gain / count, lmShare: routed / count };
}

function allRows(outcomes: Outcomes): number[] {
  return Array.from({ length: outcomes.scores.length }, (_, index) => index);
}

function mean(values: Uint8Array): number {
  let total = 0;
  for (const value of values) total += value;
  return values.length > 0 ? total / values.length : 0;
}

function average(values: readonly number[]): number {
  return values.length > 0 ? values.reduce((sum, value) => sum + value, 0) / values.length : 0;
}

/** A table cell over the splits: mean gain over the LM (points) / share of splits 0.5 points below it / mean LM share. */
function splitCell(
  result: Pick<RuleResult, "meanGain" | "belowHalfPoint" | "meanLmShare"> | undefined,
): string {
  return result === undefined
    ? "–"
    : `${points(result.meanGain)} / ${percent(result.belowHalfPoint, 1)} / ${percent(result.meanLmShare, 0)}`;
}

function percent(value: number, digits = 1): string {
  return `${(value * 100).toFixed(digits)}%`;
}

function points(value: number): string {
  return `${value >= 0 ? "+" : ""}${(value * 100).toFixed(2)}`;
}

await main();
