import { basename } from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import { loadRows } from "../../data/stream-rows.js";
import { loadTask } from "../../data/task-file.js";
import { taskFromRows } from "../../data/task-from-rows.js";
import { trainingSetFromRows } from "../../data/training-set.js";
import { computeClassificationMetrics } from "../../evaluate/classification-metrics.js";
import { loadSmallModel } from "../../small-models/load-small-model.js";
import { trainNgramLinear } from "../../small-models/train-ngram-linear.js";
import { UsageError } from "../../spec/errors/usage-error.js";
import { createProgressDisplay } from "../progress-display.js";
import { runAction } from "../run-action.js";

const columnOptions = {
  textColumn: z.string().min(1).default("text"),
  labelColumn: z.string().min(1).default("label"),
};

const trainOptionsSchema = z.object({
  data: z.string().min(1),
  task: z.string().min(1).optional(),
  out: z.string().min(1),
  seed: z.coerce.number({ error: "--seed must be an integer" }).int("--seed must be an integer").default(1),
  json: z.boolean().default(false),
  ...columnOptions,
});

const evalOptionsSchema = z.object({
  model: z.string().min(1),
  data: z.string().min(1),
  json: z.boolean().default(false),
  ...columnOptions,
});

const predictOptionsSchema = z.object({ model: z.string().min(1), json: z.boolean().default(false) });

function parseOptions<Schema extends z.ZodType>(schema: Schema, value: unknown): z.output<Schema> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new UsageError(
      parsed.error.issues.map((issue) => `--${issue.path.join(".")}: ${issue.message}`).join("; "),
    );
  }
  return parsed.data;
}

function peakRssMb(): number {
  return Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
}

export function registerSsmCommand(program: Command): void {
  const ssm = program
    .command("ssm")
    .description("Train, evaluate and use a Specific Small Model (ngram-linear) on its own.");
  registerSsmTrain(ssm);
  registerSsmEval(ssm);
  registerSsmPredict(ssm);
}

/** `ssm train`: trains an ngram-linear model on a labelled file and saves it. */
function registerSsmTrain(ssm: Command): void {
  ssm
    .command("train")
    .description("Train an ngram-linear small model on a labelled CSV or JSONL file.")
    .requiredOption("--data <file>", "training data (CSV with a header, or JSONL)")
    .option("--task <file>", "task.json (default: the labels found in the data)")
    .option("--text-column <name>", "column holding the text", "text")
    .option("--label-column <name>", "column holding the gold label", "label")
    .requiredOption("--out <file>", "where to write the model")
    .option("--seed <n>", "random seed", "1")
    .option("--json", "print one JSON object with the figures")
    .action(runAction(async (raw: Record<string, unknown>) => ssmTrain(raw)));
}

async function ssmTrain(raw: Record<string, unknown>): Promise<void> {
  const options = parseOptions(trainOptionsSchema, raw);
  const task = options.task === undefined ? undefined : await loadTask(options.task);
  const startedAt = performance.now();
  const rows = await loadRows(options.data, {
    textColumn: options.textColumn,
    labelColumn: options.labelColumn,
    ...(task === undefined ? {} : { labels: task.labels }),
  });
  const resolvedTask = task ?? taskFromRows(basename(options.data), rows, options.data);
  const set = trainingSetFromRows(rows, resolvedTask, options.data);
  const progress = createProgressDisplay();
  const model = await trainNgramLinear(set, { seed: options.seed }, { onProgress: progress.listener });
  progress.finish();
  await model.save(options.out);
  const trainSeconds = (performance.now() - startedAt) / 1000;
  const figures = {
    trainSeconds: Math.round(trainSeconds * 1000) / 1000,
    peakRssMb: peakRssMb(),
    examples: set.texts.length,
    labels: resolvedTask.labels.length,
  };
  if (options.json) process.stdout.write(`${JSON.stringify(figures)}\n`);
  else {
    process.stdout.write(
      `trained ngram-linear on ${figures.examples} examples, ${figures.labels} labels in ${figures.trainSeconds.toFixed(2)} s ` +
        `(${model.parts.epochs} epochs, temperature ${model.parts.temperature.toFixed(3)}, peak RSS ${figures.peakRssMb} MB)\n` +
        `saved to ${options.out}\n`,
    );
  }
}

/** `ssm eval`: scores a saved model on a labelled file (accuracy, macro-F1, median prediction time). */
function registerSsmEval(ssm: Command): void {
  ssm
    .command("eval")
    .description("Score a saved small model on a labelled CSV or JSONL file.")
    .requiredOption("--model <file>", "a model written by `ssm train`")
    .requiredOption("--data <file>", "labelled data (CSV or JSONL)")
    .option("--text-column <name>", "column holding the text", "text")
    .option("--label-column <name>", "column holding the gold label", "label")
    .option("--json", "print one JSON object with the figures")
    .action(runAction(async (raw: Record<string, unknown>) => ssmEval(raw)));
}

async function ssmEval(raw: Record<string, unknown>): Promise<void> {
  const options = parseOptions(evalOptionsSchema, raw);
  const model = await loadSmallModel(options.model);
  const rows = await loadRows(options.data, {
    textColumn: options.textColumn,
    labelColumn: options.labelColumn,
    labels: model.labels,
  });
  const probabilities = new Float32Array(model.labels.length);
  const micros = new Float64Array(rows.length);
  const predicted: string[] = [];
  rows.forEach((row, index) => {
    const startedAt = performance.now();
    model.predictProbaInto(row.text, probabilities);
    micros[index] = (performance.now() - startedAt) * 1000;
    predicted.push(model.labels[argMax(probabilities)]!);
  });
  const metrics = computeClassificationMetrics(
    rows.map((row) => row.label ?? ""),
    predicted,
    model.labels,
  );
  micros.sort();
  const figures = {
    accuracy: round(metrics.accuracy, 4),
    macroF1: round(metrics.macroF1, 4),
    examples: rows.length,
    predictMicrosP50: round(micros[micros.length >> 1] ?? 0, 1),
  };
  if (options.json) process.stdout.write(`${JSON.stringify(figures)}\n`);
  else {
    process.stdout.write(
      `${model.kind} on ${figures.examples} examples: accuracy ${figures.accuracy.toFixed(4)}, ` +
        `macro-F1 ${figures.macroF1.toFixed(4)}, median prediction ${figures.predictMicrosP50} µs per text\n`,
    );
  }
}

/** `ssm predict`: the label of one text, and its probability. */
function registerSsmPredict(ssm: Command): void {
  ssm
    .command("predict")
    .description("Predict the label of one text with a saved small model.")
    .requiredOption("--model <file>", "a model written by `ssm train`")
    .option("--json", "print one JSON object")
    .argument("<text>", "the text to classify")
    .action(runAction(async (text: string, raw: Record<string, unknown>) => ssmPredict(text, raw)));
}

async function ssmPredict(text: string, raw: Record<string, unknown>): Promise<void> {
  const options = parseOptions(predictOptionsSchema, raw);
  if (text.trim() === "") throw new UsageError("the text to classify is empty");
  const model = await loadSmallModel(options.model);
  const probabilities = model.predictProba(text);
  const best = argMax(probabilities);
  const label = model.labels[best]!;
  const probability = round(probabilities[best]!, 4);
  if (options.json) process.stdout.write(`${JSON.stringify({ label, probability })}\n`);
  else process.stdout.write(`${label}\t${probability.toFixed(4)}\n`);
}

function argMax(values: Float32Array): number {
  let best = 0;
  for (let index = 1; index < values.length; index++) if (values[index]! > values[best]!) best = index;
  return best;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
