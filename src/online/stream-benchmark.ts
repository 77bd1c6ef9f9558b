import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createLmFirstAdapter } from "../adapter/lm-first-adapter.js";
import { loadAdapter } from "../adapter/load-adapter.js";
import { createOpenAICompatibleModel } from "../large-models/openai-compatible-model.js";
import { startReplayServer } from "../replay/replay-server.js";
import { defaultAuditShare } from "../serve/audit/online-serving.js";
import { startServe } from "../serve/start-serve.js";
import type { Adapter } from "../spec/adapter.js";
import type { DataRow } from "../spec/dataset.js";
import { UsageError } from "../spec/errors/usage-error.js";
import type { LargeModel } from "../spec/large-model.js";
import type { Logger } from "../spec/logger.js";
import { createSeededRandom } from "../util/seeded-random.js";
import { defaultLearnSchedule, type LearnSchedule } from "./learn-schedule.js";
import { createOnlineLearner } from "./online-learner.js";
import { renderStreamChartSvg } from "./stream-chart.js";
import { defaultStreamSplits, loadStream, type StreamData, type StreamSplit } from "./stream-dataset.js";
import { feedStream } from "./stream-feed.js";
import { quarterFigures, type SegmentFigures, segmentFigures, streamChartPoints } from "./stream-figures.js";

/** The seed of `stream` when `--seed` is not given. */
export const defaultStreamSeed = 7;

/** What `stream` runs: the dataset, the LLM column, the stream's splits and order, the gold it may learn from, the learner's settings. */
export interface StreamBenchmarkOptions {
  datasetDir: string;
  llmColumn: string;
  /** Default all three splits. */
  splits?: readonly StreamSplit[] | undefined;
  /** The shuffle's seed (default 7); also the audits' and the refreshes'. */
  seed?: number | undefined;
  /** "none" (default): gold labels score only; N (at most the stream's rows): the first N rows' gold labels may be learnt from too. */
  gold?: "none" | number | undefined;
  schedule?: LearnSchedule | undefined;
  auditShare?: number | undefined;
  maxDisagreement?: number | undefined;
  /** Threads that train each refresh's fold models (default one per core). */
  trainingThreads?: number | undefined;
  /** Where the learnt adapters (`learned/`) and the chart (`stream.svg`) are written. */
  outDir: string;
  /** The refresh job module (default `refreshAdapter`'s). */
  jobModule?: URL | undefined;
  onProgress?: ((fed: number, total: number) => void) | undefined;
  /** News of the run (refreshes, a drop), one line each. */
  say?: ((line: string) => void) | undefined;
}

/** What a stream measured: overall, per quarter, the LLM alone, and its cost. */
export interface StreamBenchmarkResult {
  dataset: string;
  llmColumn: string;
  rows: number;
  gold: "none" | number;
  lm: { accuracy: number };
  stream: SegmentFigures;
  quarters: SegmentFigures[];
  refreshes: number;
  seconds: number;
  peakRssMb: number;
  chartPath: string;
}

/**
 * The stream benchmark: the recorded answers of `llmColumn` served by the replay server on
 * loopback as the LLM, the rows shuffled with the seed and fed one by one over HTTP to `startServe`
 * with online mode on — at first an adapter that sends every input to the LLM, then the adapters
 * the online learner builds from the LLM's answers (the same code as `serve --learn-every`). Gold
 * labels only score the answers (but the first N with `gold: N`).
 */
export async function runStreamBenchmark(options: StreamBenchmarkOptions): Promise<StreamBenchmarkResult> {
  const startedAt = performance.now();
  const rss = sampleRss();
  try {
    const seed = options.seed ?? defaultStreamSeed;
    const data = await loadStream(
      options.datasetDir,
      options.llmColumn,
      options.splits ?? defaultStreamSplits,
      seed,
    );
    if (typeof options.gold === "number" && options.gold > data.rows.length) {
      throw new UsageError(`--gold ${options.gold} is more than the stream's ${data.rows.length} rows`);
    }
    const replay = await startReplayServer({
      answers: data.rows.map((row) => ({ text: row.text, answer: row.llm })),
    });
    try {
      const { steps, refreshedAt, refreshes } = await streamThroughServe(options, data, replay.url, seed);
      const figures = segmentFigures(data.rows, steps, 0, steps.length);
      const chartPath = join(options.outDir, "stream.svg");
      const title = `${data.name}, ${options.llmColumn}: ${data.rows.length} inputs, seed ${seed}`;
      const points = streamChartPoints(data.rows, steps);
      await writeFile(chartPath, await renderStreamChartSvg({ title, points, refreshedAt }));
      return {
        dataset: data.name,
        llmColumn: options.llmColumn,
        rows: data.rows.length,
        gold: options.gold ?? "none",
        lm: { accuracy: figures.lmAccuracy },
        stream: figures,
        quarters: quarterFigures(data.rows, steps),
        refreshes,
        seconds: (performance.now() - startedAt) / 1000,
        peakRssMb: rss.peakMb(),
        chartPath,
      };
    } finally {
      await replay.close();
    }
  } finally {
    rss.stop();
  }
}

/** Serves the task LM-first with the learner on, feeds the rows, and stops it all. */
async function streamThroughServe(
  options: StreamBenchmarkOptions,
  data: StreamData,
  lmUrl: string,
  seed: number,
) {
  const say = options.say ?? (() => {});
  // A stream starts with no adapter: the adapters of an earlier run in the folder are not its own.
  await rm(join(options.outDir, "learned"), { recursive: true, force: true });
  const counted = countingModel(
    createOpenAICompatibleModel({ baseUrl: lmUrl, model: "replay", timeoutMs: 30_000 }),
  );
  const model = data.task.name;
  const refreshedAt: number[] = [];
  let fed = 0;
  let replace: (adapter: Adapter) => void = () => {};
  const learner = await createOnlineLearner({
    model,
    from: { task: data.task },
    learnDir: join(options.outDir, "learned"),
    schedule: options.schedule ?? defaultLearnSchedule,
    load: (directory) => loadAdapter(directory, { largeModel: counted.model }),
    swap: (adapter) => {
      refreshedAt.push(fed);
      replace(adapter);
    },
    goldRows:
      options.gold === undefined || options.gold === "none"
        ? undefined
        : goldRowsOf(data, options.gold, () => fed),
    maxDisagreement: options.maxDisagreement,
    trainingThreads: options.trainingThreads,
    seed,
    jobModule: options.jobModule,
    say: (line) => say(`after ${fed} inputs: ${line}`),
  });
  const serve = await startServe({
    adapter: createLmFirstAdapter({ task: data.task, largeModel: counted.model }),
    online: {
      auditShare: options.auditShare ?? defaultAuditShare,
      random: createSeededRandom(seed + 1),
      largeModelFor: () => counted.model,
      onLmAnswer: learner.hear,
    },
    logger: dropLogger((line) => say(`after ${fed} inputs: ${line}`)),
  });
  replace = (adapter) => serve.replaceAdapter(model, adapter);
  try {
    const steps = await feedStream(
      {
        url: serve.url,
        model,
        lmCalls: () => counted.calls,
        learner,
        onProgress: (done, total) => {
          fed = done;
          options.onProgress?.(done, total);
        },
      },
      data.rows,
    );
    return { steps, refreshedAt, refreshes: learner.refreshes };
  } finally {
    await learner.close();
    await serve.close({ drainTimeoutMs: 1000 });
  }
}

/** The gold rows the refreshes may learn from: the first `count` rows of the stream, as far as it was fed. */
function goldRowsOf(data: StreamData, count: number, fed: () => number): () => DataRow[] {
  return () =>
    data.rows
      .slice(0, Math.min(count, fed()))
      .map((row) => ({ text: row.text, label: row.gold, columns: {} }));
}

/** `model` with its calls counted. */
function countingModel(model: LargeModel): { model: LargeModel; readonly calls: number } {
  let calls = 0;
  return {
    model: {
      id: model.id,
      complete(request, callOptions) {
        calls += 1;
        return model.complete(request, callOptions);
      },
    },
    get calls() {
      return calls;
    },
  };
}

/** A logger that says the server's agreement drops, and nothing else. */
function dropLogger(say: (line: string) => void): Logger {
  return {
    info: () => {},
    warn: (event, details) => {
      if (event === "agreement-drop") say(`${event} ${JSON.stringify(details)}`);
    },
  };
}

/** The process's peak resident memory, sampled every 100 ms (worker threads included: they share the process). */
function sampleRss(): { peakMb(): number; stop(): void } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 100);
  timer.unref();
  return {
    peakMb: () => Math.max(peak, process.memoryUsage.rss()) / (1024 * 1024),
    stop: () => clearInterval(timer),
  };
}
