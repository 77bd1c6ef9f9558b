/**
 * How low could the stream's LLM share go at a given disagreement, with hindsight? For a stream of
 * `easy-adapt stream` (same rows, same shuffle), one gold-free adapter is built from the LLM's
 * answers to the first three quarters (every one of them: more than the stream itself learns from,
 * since the inputs its small model answers bring no LLM answer), and its small model then scores
 * the last quarter. For each disagreement D, the study picks with hindsight the cheapest threshold
 * whose answered inputs differ from the LLM's answers on at most D of them, and gives that share
 * and the accuracy against gold there, ordering the inputs by the router's score and, apart, by
 * the small model's confidence alone. No rule that sets a threshold on these scores without seeing
 * the last quarter can do better than this, so a last-quarter share target below the hindsight
 * share at the accepted D is out of reach of this small model, whatever the rule.
 *
 *   npm run study:stream-hindsight -- [--dataset imdb --llm-column gpt35 --splits train,dev,test]
 *     [--seed 7] [--encoder use-lite] [--json]
 *   (that is `npm run build:bench && node dist-bench/bench/stream-hindsight-study.js …`; without
 *   --dataset: imdb (gpt35, all splits) and banking77 (gpt4, dev and test), as `npm run bench:stream`)
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { adapt } from "../src/adapt/adapt.js";
import { loadStream, parseStreamSplits, type StreamData } from "../src/online/stream-dataset.js";
import { createEncoderByKind } from "../src/small-models/encoder-choice.js";
import type { DataRow } from "../src/spec/dataset.js";
import type { SentenceEncoder } from "../src/text-encoders/sentence-encoder.js";
import { sharedDatasetsDir } from "./shared-datasets.js";

const { values } = parseArgs({
  options: {
    dataset: { type: "string" },
    "llm-column": { type: "string" },
    splits: { type: "string" },
    seed: { type: "string", default: "7" },
    encoder: { type: "string", default: "none" },
    json: { type: "boolean", default: false },
  },
});

/** The disagreements the study reports. */
const disagreements = [0.02, 0.03, 0.05, 0.1] as const;

interface Scored {
  score: number;
  confidence: number;
  ssm: string;
  llm: string;
  gold: string;
}

/** The hindsight point at one disagreement: the LLM share and the accuracy against gold there. */
interface HindsightPoint {
  disagreement: number;
  lmShare: number;
  accuracy: number;
}

interface StudyResult {
  dataset: string;
  llmColumn: string;
  encoder: string;
  learntFrom: number;
  lastQuarter: number;
  lmAccuracy: number;
  ssmAgreement: number;
  ssmAccuracy: number;
  adapter: { lmShare: number; disagreement: number | null };
  byRouterScore: HindsightPoint[];
  bySsmConfidence: HindsightPoint[];
}

/**
 * The cheapest point of `order` (inputs the small model should answer first, first) at each
 * disagreement: the most inputs answered, in that order, with at most D of them differing from
 * the LLM's answer; the accuracy counts the LLM's answer on the rest.
 */
function hindsightPoints(order: readonly Scored[]): HindsightPoint[] {
  const lmRight = order.filter((row) => row.llm === row.gold).length;
  return disagreements.map((disagreement) => {
    let differing = 0;
    let gain = 0;
    let best = { answered: 0, gain: 0 };
    order.forEach((row, index) => {
      if (row.ssm !== row.llm) differing += 1;
      gain += Number(row.ssm === row.gold) - Number(row.llm === row.gold);
      if (differing <= disagreement * (index + 1)) best = { answered: index + 1, gain };
    });
    return {
      disagreement,
      lmShare: 1 - best.answered / order.length,
      accuracy: (lmRight + best.gain) / order.length,
    };
  });
}

/** Builds the adapter from the first three quarters' LLM answers and scores the last quarter. */
async function study(data: StreamData, llmColumn: string, encoder: SentenceEncoder | undefined) {
  const cut = Math.floor(data.rows.length * 0.75);
  const learnt = data.rows.slice(0, cut).filter((row) => row.llm !== "");
  const calibRows: DataRow[] = learnt.map((row) => ({ text: row.text, columns: {} }));
  const known = new Map(learnt.map((row) => [row.text, row.llm]));
  const result = await adapt({
    task: data.task,
    trainRows: [],
    calibRows,
    knownAnswers: known,
    largeModel: { id: llmColumn, complete: () => Promise.reject(new Error("every answer is known")) },
    seed: 7,
    ...(encoder === undefined ? {} : { encoder }),
  });
  const adapter = result.adapter;
  const last = data.rows.slice(cut);
  await adapter.prepare?.(last.map((row) => row.text));
  const scored: Scored[] = last.map((row) => {
    const inspected = adapter.internals.inspect(row.text);
    const ssm = data.task.labels[inspected.ssmLabelId] ?? "";
    return { score: inspected.score, confidence: inspected.ssmConfidence, ssm, llm: row.llm, gold: row.gold };
  });
  const answered = scored.filter((row) => row.score < adapter.internals.threshold);
  const share = (count: number) => count / scored.length;
  return {
    dataset: data.name,
    llmColumn,
    encoder: encoder === undefined ? "none" : values.encoder,
    learntFrom: learnt.length,
    lastQuarter: last.length,
    lmAccuracy: share(last.filter((row) => row.llm === row.gold).length),
    ssmAgreement: share(scored.filter((row) => row.ssm === row.llm).length),
    ssmAccuracy: share(scored.filter((row) => row.ssm === row.gold).length),
    adapter: {
      lmShare: 1 - share(answered.length),
      disagreement:
        answered.length === 0 ? null : answered.filter((row) => row.ssm !== row.llm).length / answered.length,
    },
    byRouterScore: hindsightPoints([...scored].sort((left, right) => left.score - right.score)),
    bySsmConfidence: hindsightPoints([...scored].sort((left, right) => right.confidence - left.confidence)),
  } satisfies StudyResult;
}

/** One study as a few lines of text. */
function describe(result: StudyResult): string {
  const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
  const points = (label: string, list: HindsightPoint[]) =>
    `  ${label.padEnd(22)}${list.map((point) => `${percent(point.lmShare)} (${percent(point.accuracy)})`.padEnd(18)).join("")}`;
  const adapterDisagreement =
    result.adapter.disagreement === null
      ? "none answered"
      : `${percent(result.adapter.disagreement)} disagreement`;
  return [
    `${result.dataset} (${result.llmColumn}, encoder ${result.encoder}): learnt from ${result.learntFrom} LLM answers, last quarter ${result.lastQuarter} inputs`,
    `  LLM alone ${percent(result.lmAccuracy)}; small model alone: agreement ${percent(result.ssmAgreement)}, accuracy ${percent(result.ssmAccuracy)}`,
    `  the adapter's own threshold: LLM share ${percent(result.adapter.lmShare)}, ${adapterDisagreement}`,
    `  hindsight LLM share (accuracy) at disagreement ${disagreements.map((value) => `≤ ${percent(value)}`.padEnd(18)).join("")}`,
    points("by the router's score", result.byRouterScore),
    points("by SSM confidence", result.bySsmConfidence),
  ].join("\n");
}

/** The streams to study: the one the flags name, else `npm run bench:stream`'s two. */
function streamsOf(): { dataset: string; llmColumn: string; splits: string }[] {
  if (values.dataset === undefined) {
    return [
      { dataset: "imdb", llmColumn: "gpt35", splits: "train,dev,test" },
      { dataset: "banking77", llmColumn: "gpt4", splits: "dev,test" },
    ];
  }
  return [
    {
      dataset: values.dataset,
      llmColumn: values["llm-column"] ?? "gpt35",
      splits: values.splits ?? "train,dev,test",
    },
  ];
}

const datasets = sharedDatasetsDir();
if (datasets === undefined) {
  process.stderr.write("stream-hindsight-study needs ../shared/datasets beside the repository\n");
  process.exit(1);
}
if (values.encoder !== "none" && values.encoder !== "use-lite") {
  process.stderr.write("--encoder must be none or use-lite\n");
  process.exit(1);
}
const encoder = values.encoder === "use-lite" ? await createEncoderByKind("use-lite") : undefined;
const results: StudyResult[] = [];
try {
  for (const stream of streamsOf()) {
    const splits = parseStreamSplits(stream.splits);
    if (splits === undefined) throw new Error(`--splits: a comma-separated list of train, dev and test`);
    const data = await loadStream(
      join(datasets, stream.dataset),
      stream.llmColumn,
      splits,
      Number(values.seed),
    );
    const result = await study(data, stream.llmColumn, encoder);
    results.push(result);
    if (!values.json) process.stdout.write(`${describe(result)}\n`);
  }
} finally {
  await encoder?.close();
}
if (values.json) process.stdout.write(`${JSON.stringify(results)}\n`);
