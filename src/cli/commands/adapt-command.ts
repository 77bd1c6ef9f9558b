import { resolve } from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import { adapt } from "../../adapt/adapt.js";
import { referenceOf } from "../../adapt/teacher-labels.js";
import type { OperatingCriterion } from "../../adapter/operating-criterion.js";
import { fileSha256 } from "../../data/file-sha256.js";
import { loadRows } from "../../data/stream-rows.js";
import { createClassificationPrompter } from "../../large-models/classification-prompt.js";
import { formatDryRunEstimate } from "../../large-models/dry-run-estimate.js";
import { createEncoderByKind } from "../../small-models/encoder-choice.js";
import type { DataRow } from "../../spec/dataset.js";
import { DataError } from "../../spec/errors/data-error.js";
import type { Task } from "../../spec/task.js";
import type { SentenceEncoder } from "../../text-encoders/sentence-encoder.js";
import { adaptSummary, formatAdaptSummary } from "../adapt-summary.js";
import { describeTaskSource, taskBeforeRows, taskFromTrainingRows } from "../adapt-task.js";
import {
  addBatchOptions,
  type BatchSettings,
  batchSettingsFrom,
  estimateCost,
  runBatchProbe,
} from "../batch-options.js";
import { addEncoderOptions, encoderOptionsSchema } from "../encoder-options.js";
import { addLargeModelOptions, type LargeModelSetup, largeModelFromOptions } from "../lm-options.js";
import {
  addOperatingPointOptions,
  operatingCriterionOf,
  operatingPointOptionsSchema,
} from "../operating-point-options.js";
import { type AdapterOutputFolder, openAdapterFolder } from "../output-folder.js";
import { parseOptions } from "../parse-options.js";
import { addProbeOptions, type ProbeLimits, probeLimitsFromOptions } from "../probe-options.js";
import { createProgressDisplay } from "../progress-display.js";
import { runAction } from "../run-action.js";
import {
  addTrainingThreadsOption,
  trainingThreadsOf,
  trainingThreadsOptionSchema,
} from "../training-threads-option.js";

const adaptOptionsSchema = encoderOptionsSchema.extend({
  ...operatingPointOptionsSchema.shape,
  ...trainingThreadsOptionSchema.shape,
  task: z.string().min(1).optional(),
  train: z.string({ error: "--train FILE is required" }).min(1),
  calib: z.string({ error: "--calib FILE is required" }).min(1),
  out: z.string({ error: "--out DIR is required" }).min(1),
  probeTrain: z.boolean().default(false),
  keepRows: z.boolean().default(true),
  textColumn: z.string().min(1).default("text"),
  labelColumn: z.string().min(1).default("label"),
  json: z.boolean().default(false),
});

export const operatingPointHelp = [
  "Operating point (chosen on out-of-fold estimates from the calibration rows, never on test data):",
  "  --max-lm-share S  a budget: of the points sending at most a share S of inputs to the LM and",
  "                    safely not below the LM alone (the default's test below), the most accurate",
  "                    (ties: the costlier); where none is, the costliest point within S;",
  "  --lm-cost C       the point maximising accuracy - C x LM share (C: the accuracy, as a fraction,",
  "                    that sending every input to the LM must buy, e.g. 0.05);",
  "  default           the cheapest point whose estimated accuracy is within 0.2 points (or one paired",
  "                    standard error) of the best estimated point, and whose paired gain over the LM",
  "                    alone minus 2.326 standard errors (one-sided 99%; one pseudo differing row in",
  "                    that standard error wherever the small model answers some inputs) is not",
  "                    negative, there and at every costlier point: where the small model is weak or",
  "                    only ties the LM, the adapter calls the LM (nearly) always.",
  "  --max-disagreement D  (the default where calibration rows have no gold label; D default 0.02)",
  "                    the cheapest point where at most a share D of the inputs the small model",
  "                    answers differ from the LM's answer (where a gold label exists: net of the",
  "                    inputs the small model gets right and the LM wrong), one-sided 99% (one pseudo",
  "                    differing row), with no costlier point significantly above D.",
].join("\n");

export function registerAdaptCommand(program: Command): void {
  const command = program
    .command("adapt")
    .description(
      "adapt the LM to a task: probe it, train complementary small models, fit the router, write the adapter",
    )
    .option(
      "--task <file>",
      "task.json (name, labels, optional instructions and examples); default: labels.txt beside the data, else the training rows' labels",
    )
    .option(
      "--train <file>",
      "training rows (CSV or JSONL); rows without a label are learnt from the LM's answers",
    )
    .option(
      "--calib <file>",
      "calibration rows (always asked to the LM); without gold labels the LM's answers are the teacher and the operating point is chosen on agreement with it",
    )
    .option("--out <dir>", "adapter folder to write: new, empty, or an adapter to replace")
    .option("--probe-train", "also ask the LM about the training rows")
    .option(
      "--no-keep-rows",
      "do not keep the rows learnt from (texts, labels, LM answers) in the adapter folder (refresh then learns from its logs alone)",
    )
    .option("--text-column <name>", "column holding the text", "text")
    .option("--label-column <name>", "column holding the gold label", "label")
    .option("--json", "print the summary as one JSON object")
    .addHelpText("after", `\n${operatingPointHelp}`);
  addOperatingPointOptions(command);
  addEncoderOptions(command);
  addTrainingThreadsOption(command);
  addProbeOptions(command);
  addLargeModelOptions(command);
  addBatchOptions(command);
  command.action(runAction(async (rawOptions: Record<string, unknown>) => adaptCommand(rawOptions)));
}

type AdaptCommandOptions = z.output<typeof adaptOptionsSchema>;

/** The task and the rows `adapt` learns from. */
interface AdaptData {
  task: Task;
  trainRows: DataRow[];
  calibRows: DataRow[];
}

async function adaptCommand(rawOptions: Record<string, unknown>): Promise<void> {
  const options = parseOptions(adaptOptionsSchema, rawOptions);
  const criterion = operatingCriterionOf(options);
  const setup = largeModelFromOptions(rawOptions, process.env);
  try {
    const batch = batchSettingsFrom(rawOptions, setup);
    const probeLimits = probeLimitsFromOptions(rawOptions, setup.settings);
    const data = await loadAdaptData(options);
    if (setup.dryRun) {
      await printDryRunEstimate(setup, batch, data, options);
      return;
    }
    // Refuses a non-empty folder that is not an adapter before anything is paid for.
    const outputFolder = await openAdapterFolder(options.out);
    if (outputFolder.replacing) process.stderr.write(`note: replacing the adapter in ${options.out}\n`);
    try {
      await adaptIntoFolder(options, criterion, { setup, batch, probeLimits }, data, outputFolder);
    } catch (error) {
      // A failed run leaves no empty folder behind where it created one.
      await outputFolder.discardIfEmpty();
      throw error;
    }
  } finally {
    setup.close();
  }
}

/**
 * Loads the task (--task, else labels.txt beside the data, else the training rows' labels: said on
 * stderr), the training rows (labels optional) and the calibration rows, and checks there is enough
 * to adapt on; notes on stderr the unlabelled training rows left out without --probe-train.
 */
async function loadAdaptData(options: AdaptCommandOptions): Promise<AdaptData> {
  const files = { train: options.train, calib: options.calib };
  const known = await taskBeforeRows(options.task, files);
  const columns = { textColumn: options.textColumn, labelColumn: options.labelColumn };
  const trainRows = await loadRows(options.train, {
    ...columns,
    ...(known === undefined ? {} : { labels: known.task.labels }),
    labelsOptional: true,
  });
  const { task, source } = known ?? taskFromTrainingRows(trainRows, options.train, options.labelColumn);
  const sourceNote = describeTaskSource(task, source);
  if (sourceNote !== undefined) process.stderr.write(`${sourceNote}\n`);
  const calibRows = await loadRows(options.calib, { ...columns, labels: task.labels, labelsOptional: true });
  if (calibRows.length === 0) throw new DataError("no calibration rows", { file: options.calib });
  const unlabelledTrain = trainRows.filter((row) => row.label === undefined).length;
  // Without gold calibration labels the LM is the teacher: every unlabelled row is asked.
  if (unlabelledTrain > 0 && !options.probeTrain && referenceOf(trainRows, calibRows) === "gold") {
    if (unlabelledTrain === trainRows.length) {
      throw new DataError(
        `no training row has a label in column "${options.labelColumn}" (${trainRows.length} rows): ` +
          "unlabelled training rows are used only with --probe-train (learnt from the LM's answers); " +
          "name the label column with --label-column, or pass --probe-train",
        { file: options.train },
      );
    }
    process.stderr.write(
      `note: ${unlabelledTrain} of ${trainRows.length} training rows in ${options.train} have no label: ` +
        "they are not used (pass --probe-train to learn them from the LM's answers)\n",
    );
  }
  if (trainRows.length + calibRows.length < 10) {
    throw new DataError("too few rows to adapt (need at least 10 labelled rows in train + calib)", {
      file: options.train,
    });
  }
  return { task, trainRows, calibRows };
}

/** `--dry-run`: what probing the calibration rows (and the training rows with --probe-train) would cost. */
async function printDryRunEstimate(
  setup: LargeModelSetup,
  batch: BatchSettings,
  data: AdaptData,
  options: AdaptCommandOptions,
): Promise<void> {
  const estimate = await estimateCost(setup, batch, probedRequests(data, options));
  process.stdout.write(
    `${options.json ? JSON.stringify({ dryRun: true, ...estimate }) : formatDryRunEstimate(estimate)}\n`,
  );
}

/**
 * Adapts (stopped cleanly by SIGINT), writes the adapter into the folder and prints the summary;
 * the sentence encoder, when one is chosen, is closed whatever happens.
 */
async function adaptIntoFolder(
  options: AdaptCommandOptions,
  criterion: OperatingCriterion,
  lm: { setup: LargeModelSetup; batch: BatchSettings; probeLimits: ProbeLimits },
  data: AdaptData,
  outputFolder: AdapterOutputFolder,
): Promise<void> {
  const { setup, batch, probeLimits } = lm;
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once("SIGINT", onSignal);
  const display = createProgressDisplay();
  const encoder = await openEncoder(options);
  try {
    if (batch.batch) {
      await runBatchProbe(setup, batch, probedRequests(data, options), {
        onProgress: display.listener,
        signal: controller.signal,
        env: process.env,
      });
    }
    const fingerprints = { train: await fileSha256(options.train), calib: await fileSha256(options.calib) };
    const result = await adapt({
      ...(encoder === undefined ? {} : { encoder }),
      task: data.task,
      trainRows: data.trainRows,
      calibRows: data.calibRows,
      largeModel: setup.model,
      lmBaseUrl: setup.baseUrl,
      probeTrain: options.probeTrain,
      keepTrainingRows: options.keepRows,
      ...(criterion.kind === "default" ? {} : { criterion }),
      metric: options.metric,
      fingerprints,
      concurrency: setup.concurrency,
      onProgress: display.listener,
      signal: controller.signal,
      probeLimits,
      ...trainingThreadsOf(options),
    });
    await outputFolder.writeAdapter((directory) => result.save(directory));
    display.finish();
    const rows = { train: data.trainRows.length, calib: data.calibRows.length };
    const summary = adaptSummary(result, rows, outputFolder.path, setup.describeSpend());
    process.stdout.write(
      options.json
        ? `${JSON.stringify(summary)}\n`
        : formatAdaptSummary(summary, result.fitted.estimates.rows, encoder !== undefined),
    );
  } catch (error) {
    display.finish();
    throw error;
  } finally {
    process.off("SIGINT", onSignal);
    await encoder?.close();
  }
}

/**
 * The requests `adapt` asks the LM: the calibration rows, and the training rows with --probe-train
 * (without gold calibration labels, every training row without a label).
 */
function probedRequests(data: AdaptData, options: AdaptCommandOptions) {
  const prompt = createClassificationPrompter(data.task);
  const goldFree = referenceOf(data.trainRows, data.calibRows) !== "gold";
  const train = data.trainRows.filter((row) => options.probeTrain || (goldFree && row.label === undefined));
  return [...train, ...data.calibRows].map((row) => prompt(row.text));
}

/** The sentence encoder chosen by --encoder, with its embedding cache; none for "none". */
async function openEncoder(options: AdaptCommandOptions): Promise<SentenceEncoder | undefined> {
  if (options.encoder === "none") return undefined;
  return createEncoderByKind(options.encoder, {
    cacheFile: resolve(options.embeddingCache),
    ...(options.encoderWorkers === undefined ? {} : { workers: options.encoderWorkers }),
  });
}
