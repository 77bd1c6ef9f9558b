/**
 * Does an adapter's estimated LM share hold on rows it never saw? On train.csv + dev.csv only (test.csv
 * is never read): the rows are split into fifths (of dev.csv alone where train.csv has no LM answers); for each fifth, `adapt` runs on the other four
 * (their train rows as training rows, probed; their dev rows as calibration rows), as `bench` does,
 * and the adapter then answers the held-out fifth as one batch (`predictBatch`) through the replay
 * server (real HTTP), which gives the realised LM share (the threshold alone's, and the adapter's
 * within its cap) and the accuracy against the LM alone on rows no part of it saw.
 *
 *   npm run study:held-out-share -- [--dataset imdb] [--llm-column gpt35] [--max-lm-share 0.85] [--repeats 2]
 *   (that is `npm run build:bench && node dist-bench/bench/held-out-share-study.js …`; from source,
 *   `npx tsx bench/held-out-share-study.ts …`; without --max-lm-share: the default operating point)
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { adapt } from "../src/adapt/adapt.js";
import type { OperatingCriterion } from "../src/adapter/operating-criterion.js";
import { loadRecordedAnswers } from "../src/data/recorded-answers.js";
import { loadRows } from "../src/data/stream-rows.js";
import { taskFromRows } from "../src/data/task-from-rows.js";
import { createOpenAICompatibleModel } from "../src/large-models/openai-compatible-model.js";
import { parseLabel } from "../src/large-models/parse-label.js";
import { startReplayServer } from "../src/replay/replay-server.js";
import type { DataRow } from "../src/spec/dataset.js";
import { createSeededRandom, shuffleInPlace } from "../src/util/seeded-random.js";
import { sharedDatasetsDir } from "./shared-datasets.js";

const { values } = parseArgs({
  options: {
    dataset: { type: "string", default: "imdb" },
    "llm-column": { type: "string", default: "gpt35" },
    "max-lm-share": { type: "string" },
    repeats: { type: "string", default: "2" },
  },
});
const folds = 5;
const repeats = Number(values.repeats);
const column = values["llm-column"];
const criterion: OperatingCriterion =
  values["max-lm-share"] === undefined
    ? { kind: "default" }
    : { kind: "max-lm-share", maxLmShare: Number(values["max-lm-share"]) };

const datasets = sharedDatasetsDir();
if (datasets === undefined) {
  process.stderr.write("held-out-share-study needs ../shared/datasets beside the repository\n");
  process.exit(1);
}
const directory = join(datasets, values.dataset);
const trainRows = await loadRows(join(directory, "train.csv"));
const devRows = await loadRows(join(directory, "dev.csv"));
const task = taskFromRows(values.dataset, [...trainRows, ...devRows]);
// Where train.csv has no LM answers (Banking77), only the dev rows have them: the fifths are fifths of
// dev, and every run trains on all of train.csv without probing it, as bench does.
const trainProbed = trainRows[0] !== undefined && column in trainRows[0].columns;
const files = [...(trainProbed ? [join(directory, "train.csv")] : []), join(directory, "dev.csv")];
const replay = await startReplayServer({ answers: await loadRecordedAnswers(files, column), model: column });
const largeModel = createOpenAICompatibleModel({ baseUrl: replay.url, model: column });

interface Part {
  row: DataRow;
  calibration: boolean;
}
const parts: Part[] = [
  ...(trainProbed ? trainRows.map((row) => ({ row, calibration: false })) : []),
  ...devRows.map((row) => ({ row, calibration: true })),
];
const alwaysTrained = trainProbed ? [] : trainRows;
const results: {
  estimatedShare: number;
  thresholdShare: number;
  share: number;
  gain: number;
  rows: number;
}[] = [];
try {
  for (let repeat = 1; repeat <= repeats; repeat += 1) {
    const order = Int32Array.from(parts.keys());
    shuffleInPlace(order, createSeededRandom(repeat));
    const foldOf = new Int32Array(parts.length);
    order.forEach((index, position) => {
      foldOf[index] = position % folds;
    });
    for (let fold = 0; fold < folds; fold += 1) {
      const kept = parts.filter((_, index) => foldOf[index] !== fold);
      const held = parts.filter((_, index) => foldOf[index] === fold);
      const adapted = await adapt({
        task,
        trainRows: [...alwaysTrained, ...kept.filter((part) => !part.calibration).map((part) => part.row)],
        calibRows: kept.filter((part) => part.calibration).map((part) => part.row),
        largeModel,
        probeTrain: trainProbed,
        criterion,
        concurrency: 16,
        seed: 1,
      });
      // The threshold alone (what `decide` says per input), and the adapter's answers to the fifth as
      // one batch (`predictBatch`: within the cap where the adapter has one) over real HTTP.
      let thresholdRouted = 0;
      for (const { row } of held) if (adapted.adapter.decide(row.text).useLm) thresholdRouted += 1;
      const predictions = await adapted.adapter.predictBatch(
        held.map(({ row }) => row.text),
        { concurrency: 16 },
      );
      let routed = 0;
      let gain = 0;
      for (const [index, { row }] of held.entries()) {
        const prediction = predictions[index];
        if (prediction === undefined) continue;
        if (prediction.lmRaw !== undefined || prediction.route === "fallback") routed += 1;
        const lmAnswer = parseLabel(row.columns[column] ?? "", task.labels);
        const lmRight = lmAnswer.success && lmAnswer.label === row.label;
        gain += (prediction.label === row.label ? 1 : 0) - (lmRight ? 1 : 0);
      }
      const result = {
        estimatedShare: adapted.description.operatingPoint.lmShare,
        thresholdShare: thresholdRouted / held.length,
        share: routed / held.length,
        gain: gain / held.length,
        rows: held.length,
      };
      results.push(result);
      process.stdout.write(
        `repeat ${repeat} fold ${fold + 1}: estimated LM share ${percent(result.estimatedShare)}, held-out by the threshold ${percent(result.thresholdShare)}, ` +
          `answered ${percent(result.share)}, ` +
          `adapted − LM alone ${points(result.gain)} points on ${result.rows} rows\n`,
      );
    }
  }
} finally {
  await replay.close();
}
const mean = (pick: (result: (typeof results)[number]) => number): number =>
  results.reduce((sum, result) => sum + pick(result), 0) / Math.max(results.length, 1);
const thresholdShares = results.map((result) => result.thresholdShare);
const shares = results.map((result) => result.share);
process.stdout.write(
  `${values.dataset}/${column}, ${criterion.kind === "max-lm-share" ? `--max-lm-share ${criterion.maxLmShare}` : "default operating point"}: ` +
    `estimated LM share ${percent(mean((result) => result.estimatedShare))} on average; held out, the threshold alone would send ` +
    `${percent(mean((result) => result.thresholdShare))} (${percent(Math.min(...thresholdShares))}–${percent(Math.max(...thresholdShares))}), ` +
    `the adapter sent ${percent(mean((result) => result.share))} (${percent(Math.min(...shares))}–${percent(Math.max(...shares))}); adapted − LM alone ${points(mean((result) => result.gain))} points on average, ` +
    `below it in ${results.filter((result) => result.gain < 0).length} of ${results.length} held-out fifths\n`,
);

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

function points(value: number): string {
  return `${value >= 0 ? "+" : ""}${(value * 100).toFixed(2)}`;
}
