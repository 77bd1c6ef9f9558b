import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import { adapt } from "../../adapt/adapt.js";
import { loadRows } from "../../data/stream-rows.js";
import { loadTask } from "../../data/task-file.js";
import { createClassificationPrompter } from "../../large-models/classification-prompt.js";
import { formatDryRunEstimate } from "../../large-models/dry-run-estimate.js";
import { createEncoderByKind } from "../../small-models/encoder-choice.js";
import { DataError } from "../../spec/errors/data-error.js";
import { addEncoderOptions, encoderOptionsSchema } from "../encoder-options.js";
import { addLargeModelOptions, largeModelFromOptions } from "../lm-options.js";
import {
  addOperatingPointOptions,
  operatingCriterionOf,
  operatingPointOptionsSchema,
} from "../operating-point-options.js";
import { openAdapterFolder } from "../output-folder.js";
import { parseOptions } from "../parse-options.js";
import { createProgressDisplay } from "../progress-display.js";
import { runAction } from "../run-action.js";

const adaptOptionsSchema = encoderOptionsSchema.extend({
  ...operatingPointOptionsSchema.shape,
  task: z.string({ error: "--task FILE is required" }).min(1),
  train: z.string({ error: "--train FILE is required" }).min(1),
  calib: z.string({ error: "--calib FILE is required" }).min(1),
  out: z.string({ error: "--out DIR is required" }).min(1),
  probeTrain: z.boolean().default(false),
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
].join("\n");

export function registerAdaptCommand(program: Command): void {
  const command = program
    .command("adapt")
    .description(
      "adapt the LM to a task: probe it, train complementary small models, fit the router, write the adapter",
    )
    .option("--task <file>", "task.json (name, labels, optional instructions and examples)")
    .option(
      "--train <file>",
      "training rows (CSV or JSONL); rows without a label are learnt from the LM's answers",
    )
    .option("--calib <file>", "calibration rows with gold labels (always asked to the LM)")
    .option("--out <dir>", "adapter folder to write: new, empty, or an adapter to replace")
    .option("--probe-train", "also ask the LM about the training rows")
    .option("--text-column <name>", "column holding the text", "text")
    .option("--label-column <name>", "column holding the gold label", "label")
    .option("--json", "print the summary as one JSON object")
    .addHelpText("after", `\n${operatingPointHelp}`);
  addOperatingPointOptions(command);
  addEncoderOptions(command);
  addLargeModelOptions(command);
  command.action(runAction(async (rawOptions: Record<string, unknown>) => adaptCommand(rawOptions)));
}

async function adaptCommand(rawOptions: Record<string, unknown>): Promise<void> {
  const options = parseOptions(adaptOptionsSchema, rawOptions);
  const criterion = operatingCriterionOf(options);
  const setup = largeModelFromOptions(rawOptions, process.env);
  try {
    const task = await loadTask(options.task);
    const columns = { textColumn: options.textColumn, labelColumn: options.labelColumn, labels: task.labels };
    const trainRows = await loadRows(options.train, { ...columns, labelsOptional: true });
    const calibRows = await loadRows(options.calib, columns);
    if (calibRows.length === 0) throw new DataError("no calibration rows", { file: options.calib });
    const unlabelledTrain = trainRows.filter((row) => row.label === undefined).length;
    if (unlabelledTrain > 0 && !options.probeTrain) {
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
    if (setup.dryRun) {
      const prompt = createClassificationPrompter(task);
      const texts = [...(options.probeTrain ? trainRows : []), ...calibRows].map((row) => prompt(row.text));
      const estimate = setup.estimate(texts);
      process.stdout.write(
        `${options.json ? JSON.stringify({ dryRun: true, ...estimate }) : formatDryRunEstimate(estimate)}\n`,
      );
      return;
    }
    // Refuses a non-empty folder that is not an adapter before anything is paid for.
    const outputFolder = await openAdapterFolder(options.out);
    if (outputFolder.replacing) process.stderr.write(`note: replacing the adapter in ${options.out}\n`);
    try {
      const controller = new AbortController();
      const onSignal = () => controller.abort();
      process.once("SIGINT", onSignal);
      const display = createProgressDisplay();
      const encoder =
        options.encoder === "none"
          ? undefined
          : await createEncoderByKind(options.encoder, {
              cacheFile: resolve(options.embeddingCache),
              ...(options.encoderWorkers === undefined ? {} : { workers: options.encoderWorkers }),
            });
      try {
        const result = await adapt({
          ...(encoder === undefined ? {} : { encoder }),
          task,
          trainRows,
          calibRows,
          largeModel: setup.model,
          probeTrain: options.probeTrain,
          criterion,
          fingerprints: { train: await fileSha256(options.train), calib: await fileSha256(options.calib) },
          concurrency: setup.concurrency,
          onProgress: display.listener,
          signal: controller.signal,
        });
        await outputFolder.writeAdapter((directory) => result.save(directory));
        display.finish();
        const estimates = result.fitted.estimates;
        const summary = {
          adapter: outputFolder.path,
          lm: result.description.lmId,
          rows: {
            train: trainRows.length,
            calib: calibRows.length,
            distilled: result.fitted.counts.distilled,
          },
          probe: result.probe,
          estimated: {
            lmAlone: estimates.lmAlone,
            ssmAlone: estimates.ssmAlone,
            adapted: estimates.adapted,
            lmShare: estimates.adaptedLmShare,
            oracle: estimates.oracle,
          },
          smallModel: result.description.ssmKind,
          router: result.description.router.kind,
          gate: result.description.gate,
          complementStrength: result.fitted.complementStrength,
          seconds: {
            probe: round(result.timings.probeSeconds),
            adapt: round(result.timings.adaptSeconds),
            encode: round(result.timings.encodeSeconds),
            ssmTrain: round(result.timings.ssmTrainSeconds),
          },
          spend: setup.describeSpend(),
        };
        if (options.json) {
          process.stdout.write(`${JSON.stringify(summary)}\n`);
          return;
        }
        const percent = (value: number) => `${(value * 100).toFixed(2)}%`;
        process.stdout.write(
          [
            `adapter written to ${summary.adapter}`,
            `probe: ${result.probe.asked} rows asked, ${result.probe.answered} answered, ${result.probe.unparseable} unparseable, ${result.probe.failed} failed (${result.probe.cacheHits} from cache)` +
              (result.probe.stoppedBy === "budget" ? "; stopped by the budget" : "") +
              (result.probe.lastFailure === undefined
                ? ""
                : `\n  the failed calls count as unusable answers (the adapter answers them with the SSM); the last: ${result.probe.lastFailure}`),
            `estimated on ${estimates.rows} calibration rows, out of fold:`,
            `  LM alone ${percent(estimates.lmAlone)}, SSM alone ${percent(estimates.ssmAlone)}, oracle ${percent(estimates.oracle)}`,
            `  adapted ${percent(estimates.adapted)} with ${percent(estimates.adaptedLmShare)} of inputs sent to the LM (${summary.router} router, ${result.description.gate.ssmWeight === 0 ? "the LM's answer kept as is" : "LM answer gated with the SSM"})`,
            `time: probe ${summary.seconds.probe}s, adaptation ${summary.seconds.adapt}s (${encoder === undefined ? "" : `encoding ${summary.seconds.encode}s, `}SSM training ${summary.seconds.ssmTrain}s); LM spend: ${summary.spend}`,
          ].join("\n") + "\n",
        );
      } catch (error) {
        display.finish();
        throw error;
      } finally {
        process.off("SIGINT", onSignal);
        await encoder?.close();
      }
    } catch (error) {
      // A failed run leaves no empty folder behind where it created one.
      await outputFolder.discardIfEmpty();
      throw error;
    }
  } finally {
    setup.close();
  }
}

export async function fileSha256(path: string): Promise<string> {
  try {
    return createHash("sha256")
      .update(await readFile(path))
      .digest("hex");
  } catch (error) {
    throw new DataError("cannot read the file", { file: path }, { cause: error });
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
