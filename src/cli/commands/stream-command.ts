import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import { defaultMaxDisagreement } from "../../adapter/operating-criterion.js";
import { defaultStreamSeed, runStreamBenchmark } from "../../online/stream-benchmark.js";
import { parseStreamSplits } from "../../online/stream-dataset.js";
import { streamJson, streamTable } from "../../online/stream-report.js";
import { defaultAuditShare } from "../../serve/audit/online-serving.js";
import { openOutputFolder } from "../output-folder.js";
import { parseOptions } from "../parse-options.js";
import { createProgressDisplay } from "../progress-display.js";
import { runAction } from "../run-action.js";
import { learnEverySchema, shareFlag } from "../serve-online.js";
import { addTrainingThreadsOption, trainingThreadsOptionSchema } from "../training-threads-option.js";

const streamOptionsSchema = z.object({
  llmColumn: z.string({ error: "--llm-column COL is required" }).min(1),
  splits: z.string().transform((value, context) => {
    const splits = parseStreamSplits(value);
    if (splits === undefined) {
      context.addIssue({
        code: "custom",
        message: "--splits must list train, dev and/or test, comma-separated",
      });
      return z.NEVER;
    }
    return splits;
  }),
  seed: z.string().regex(/^\d+$/, "--seed must be a whole number").transform(Number),
  gold: z
    .string()
    .regex(/^(none|\d+)$/, "--gold must be none or a whole number of rows")
    .transform((value) => (value === "none" ? ("none" as const) : Number(value))),
  learnEvery: learnEverySchema,
  auditShare: shareFlag("--audit-share"),
  maxDisagreement: shareFlag("--max-disagreement").optional(),
  ...trainingThreadsOptionSchema.shape,
  json: z.boolean().default(false),
  out: z.string().min(1, "--out must name a folder").optional(),
});

/** Registers `easy-adapt stream`: the online-learning benchmark on a dataset folder. */
export function registerStreamCommand(program: Command): void {
  const command = program
    .command("stream")
    .description(
      "benchmark online mode on a dataset folder: its rows, shuffled, fed one by one over HTTP to a server that starts with no adapter and learns from the LLM's answers (replayed from the LLM column)",
    )
    .argument("<dir>", "dataset folder in the ../shared/datasets format")
    .option("--llm-column <column>", "the LLM column whose recorded answers the replay server serves")
    .option("--splits <list>", "the splits the stream is made of, comma-separated", "train,dev,test")
    .option(
      "--seed <n>",
      "seed of the stream's order (and of the audits and refreshes)",
      String(defaultStreamSeed),
    )
    .option(
      "--gold <none|n>",
      "none: gold labels only score; N: the first N rows' gold labels may be learnt from",
      "none",
    )
    .option(
      "--learn-every <n|auto>",
      "refresh after every N new LLM answers; auto: growing intervals",
      "auto",
    )
    .option(
      "--audit-share <a>",
      "share of the SSM's answers also asked of the LLM",
      String(defaultAuditShare),
    )
    .option(
      "--max-disagreement <d>",
      "disagreement with the LLM the refreshed adapters accept (default 0.02)",
    )
    .option("--json", "print exactly one JSON object")
    .option(
      "--out <dir>",
      "write the chart (stream.svg), stream.json and the learnt adapters here (default: a temporary folder)",
    );
  addTrainingThreadsOption(command, "each refresh's").action(runAction(streamCommand));
}

/** Runs the stream and prints its table (or its JSON object); writes the chart and stream.json. */
async function streamCommand(directory: string, rawOptions: Record<string, unknown>): Promise<void> {
  const options = parseOptions(streamOptionsSchema, rawOptions);
  const datasetDir = resolve(directory);
  const name = basename(datasetDir);
  const out =
    options.out ?? join(tmpdir(), `easy-adapt-stream-${name}-${options.llmColumn}-seed${options.seed}`);
  const outputFolder = await openOutputFolder(out);
  const display = createProgressDisplay();
  const result = await runStreamBenchmark({
    datasetDir,
    llmColumn: options.llmColumn,
    splits: options.splits,
    seed: options.seed,
    gold: options.gold,
    schedule: options.learnEvery,
    auditShare: options.auditShare,
    maxDisagreement: options.maxDisagreement,
    trainingThreads: options.trainingThreads,
    outDir: outputFolder.path,
    onProgress: (done, total) => display.listener({ stage: "stream", done, total }),
    say: options.json ? undefined : (line) => process.stderr.write(`${line}\n`),
  }).catch(async (error: unknown) => {
    display.finish();
    await outputFolder.discardIfEmpty();
    throw error;
  });
  display.finish();
  const json = streamJson(result);
  // stream.json also records the settings the run used (the --json object keeps its fixed shape).
  const settings = {
    splits: options.splits,
    seed: options.seed,
    learnEvery: options.learnEvery.kind === "every" ? options.learnEvery.n : "auto",
    auditShare: options.auditShare,
    maxDisagreement: options.maxDisagreement ?? defaultMaxDisagreement,
    trainingThreads: options.trainingThreads ?? "default",
  };
  await writeFile(
    join(outputFolder.path, "stream.json"),
    `${JSON.stringify({ ...json, settings }, null, 2)}\n`,
  );
  if (options.json) {
    process.stdout.write(`${JSON.stringify(json)}\n`);
    return;
  }
  process.stdout.write(
    `${result.dataset} (${result.llmColumn}), ${result.rows} inputs, gold ${result.gold}, ${result.refreshes} refreshes:\n`,
  );
  process.stdout.write(`${streamTable(result)}\n`);
  process.stdout.write(
    `${json.seconds}s, peak RSS ${json.peakRssMb} MB; chart ${result.chartPath}, figures ${join(outputFolder.path, "stream.json")}\n`,
  );
}
