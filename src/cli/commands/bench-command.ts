import { resolve } from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import { benchReport } from "../../benchmark/bench-report.js";
import { warnAboutTestRowsOutsideTask } from "../../benchmark/bench-warnings.js";
import { runBenchmark } from "../../benchmark/benchmark.js";
import { shareCapNote } from "../../evaluate/adapter-report.js";
import { writeEvaluationReport } from "../../evaluate/evaluation-report.js";
import { formatSystemsTable } from "../../evaluate/format-table.js";
import { addEncoderOptions, benchEncoderOptions, encoderOptionsSchema } from "../encoder-options.js";
import {
  addOperatingPointOptions,
  operatingCriterionOf,
  operatingPointOptionsSchema,
} from "../operating-point-options.js";
import { openOutputFolder } from "../output-folder.js";
import { parseOptions } from "../parse-options.js";
import { createProgressDisplay } from "../progress-display.js";
import { runAction } from "../run-action.js";
import {
  addTrainingThreadsOption,
  trainingThreadsOf,
  trainingThreadsOptionSchema,
} from "../training-threads-option.js";

const benchOptionsSchema = encoderOptionsSchema.extend({
  ...operatingPointOptionsSchema.shape,
  ...trainingThreadsOptionSchema.shape,
  llmColumn: z.string({ error: "--llm-column COL is required" }).min(1),
  json: z.boolean().default(false),
  ablation: z.boolean().default(false),
  lmLatencyMs: z
    .string()
    .regex(/^\d+$/, "--lm-latency-ms must be a whole number")
    .transform(Number)
    .default(0),
  out: z.string().min(1).optional(),
});

export function registerBenchCommand(program: Command): void {
  const command = program
    .command("bench")
    .description(
      "benchmark on a dataset folder (train.csv, dev.csv, test.csv with recorded LLM answers): replay server over HTTP, adapt on train + dev, evaluate on test",
    )
    .argument("<dir>", "dataset folder in the ../shared/datasets format")
    .option("--llm-column <column>", "the LLM column whose recorded answers the replay server serves")
    .option("--json", "print exactly one JSON object")
    .option("--lm-latency-ms <ms>", "delay the replay server adds to every answer", "0")
    .option("--ablation", "also measure what each part of the method buys")
    .option("--out <dir>", "also write report.json, report.md, report.html and operating-curve.svg here");
  addOperatingPointOptions(command);
  addTrainingThreadsOption(command);
  addEncoderOptions(command).action(
    runAction(async (directory: string, rawOptions: Record<string, unknown>) => {
      const options = parseOptions(benchOptionsSchema, rawOptions);
      const outputFolder = options.out === undefined ? undefined : await openOutputFolder(options.out);
      const display = createProgressDisplay();
      const run = await runBenchmark({
        datasetDir: resolve(directory),
        llmColumn: options.llmColumn,
        lmLatencyMs: options.lmLatencyMs,
        ablation: options.ablation,
        criterion: operatingCriterionOf(options),
        metric: options.metric,
        ...benchEncoderOptions(options),
        ...trainingThreadsOf(options),
        onProgress: display.listener,
      }).catch(async (error: unknown) => {
        // A failed run leaves no empty --out folder behind where it created one.
        display.finish();
        await outputFolder?.discardIfEmpty();
        throw error;
      });
      display.finish();
      warnAboutTestRowsOutsideTask(run);
      const capNote = shareCapNote(run.adaptation.description, run.evaluation);
      if (capNote !== undefined) process.stderr.write(`note: ${capNote}\n`);
      if (outputFolder !== undefined) {
        const files = await writeEvaluationReport(benchReport(run), outputFolder.path);
        process.stderr.write(
          `wrote ${files.htmlPath}, ${files.markdownPath}, ${files.jsonPath}, ${files.svgPath}\n`,
        );
      }
      if (options.json) {
        process.stdout.write(`${JSON.stringify(run.result)}\n`);
        return;
      }
      process.stdout.write(`${run.result.dataset} (${run.result.llmColumn}), test split:\n`);
      process.stdout.write(`${formatSystemsTable(benchReport(run))}\n`);
      const timings = run.result.timings;
      process.stdout.write(
        `adapt ${timings.adaptSeconds}s (SSM training ${timings.ssmTrainSeconds}s), SSM+router p50 ${timings.predictMicrosP50} µs, peak RSS ${run.result.peakRssMb} MB\n`,
      );
    }),
  );
}
