import { basename } from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import { loadAdapterArtifact } from "../../adapter/adapter-artifact.js";
import { adapterFromArtifact, type ClosableAdapter } from "../../adapter/load-adapter.js";
import { loadRows } from "../../data/stream-rows.js";
import { buildAdapterReport } from "../../evaluate/adapter-report.js";
import { type AdapterEvaluation, evaluateAdapter } from "../../evaluate/evaluate-adapter.js";
import { writeEvaluationReport } from "../../evaluate/evaluation-report.js";
import { formatSystemsTable } from "../../evaluate/format-table.js";
import { DataError } from "../../spec/errors/data-error.js";
import { withAdapterLmDefaults } from "../adapter-lm-defaults.js";
import { addLargeModelOptions, largeModelFromOptions } from "../lm-options.js";
import { type OutputFolder, openOutputFolder } from "../output-folder.js";
import { parseOptions } from "../parse-options.js";
import { createProgressDisplay } from "../progress-display.js";
import { runAction } from "../run-action.js";

const evalOptionsSchema = z.object({
  adapter: z.string({ error: "--adapter DIR is required" }).min(1),
  test: z.string({ error: "--test FILE is required" }).min(1),
  out: z.string().min(1).optional(),
  textColumn: z.string().min(1).default("text"),
  labelColumn: z.string().min(1).default("label"),
  json: z.boolean().default(false),
});

export function registerEvalCommand(program: Command): void {
  const command = program
    .command("eval")
    .description(
      "measure the LM alone, the SSM alone, the adapted model and the oracle on labelled rows (accuracy, macro-F1, LM share, latency, cost, operating curve)",
    )
    .option("--adapter <dir>", "adapter folder written by `easy-adapt adapt`")
    .option("--test <file>", "labelled rows to evaluate on (CSV or JSONL)")
    .option("--out <dir>", "write report.json, report.md, report.html and operating-curve.svg here")
    .option("--text-column <name>", "column holding the text", "text")
    .option("--label-column <name>", "column holding the gold label", "label")
    .option("--json", "print the report as JSON instead of a table")
    .addHelpText(
      "after",
      "\nThe LM is asked about every row (the LM alone is one of the systems), through the cache. --lm-model and --lm-base-url default to the adapter's (the model and API it was calibrated against).",
    );
  addLargeModelOptions(command);
  command.action(runAction(async (rawOptions: Record<string, unknown>) => evalCommand(rawOptions)));
}

async function evalCommand(rawOptions: Record<string, unknown>): Promise<void> {
  const options = parseOptions(evalOptionsSchema, rawOptions);
  const artifact = await loadAdapterArtifact(options.adapter);
  const { description } = artifact;
  const setup = largeModelFromOptions(withAdapterLmDefaults(rawOptions, description), process.env);
  let adapter: ClosableAdapter | undefined;
  let outputFolder: OutputFolder | undefined;
  try {
    const rows = await loadRows(options.test, {
      textColumn: options.textColumn,
      labelColumn: options.labelColumn,
      labels: description.task.labels,
    });
    if (rows.length === 0) throw new DataError("no rows to evaluate", { file: options.test });
    outputFolder = options.out === undefined ? undefined : await openOutputFolder(options.out);
    adapter = await adapterFromArtifact(artifact, { largeModel: setup.model });
    const display = createProgressDisplay();
    const started = performance.now();
    const evaluation = await evaluateAdapter(
      adapter,
      rows.map((row) => ({ text: row.text, label: row.label ?? "" })),
      setup.model,
      { concurrency: setup.concurrency, onProgress: display.listener },
    );
    display.finish();
    const report = buildAdapterReport({
      dataset: basename(options.test),
      split: basename(options.test),
      description,
      evaluation,
      counts: { rows: rows.length },
      timingsMs: { evaluate: performance.now() - started },
      ...(setup.prices === undefined ? {} : { prices: setup.prices }),
      notes: unusableAnswerNotes(evaluation),
    });
    // The report's notes: the unusable LM answers, and what an LM-share cap held back.
    for (const note of report.notes) process.stderr.write(`note: ${note}\n`);
    if (outputFolder !== undefined) {
      const files = await writeEvaluationReport(report, outputFolder.path);
      process.stderr.write(
        `wrote ${files.htmlPath}, ${files.markdownPath}, ${files.jsonPath}, ${files.svgPath}\n`,
      );
    }
    if (options.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else process.stdout.write(`${formatSystemsTable(report)}\n`);
  } catch (error) {
    // A failed run leaves no empty --out folder behind where it created one.
    await outputFolder?.discardIfEmpty();
    throw error;
  } finally {
    await adapter?.close();
    setup.close();
  }
}

/** What the report and the console say about LM answers that could not be used. */
function unusableAnswerNotes(evaluation: AdapterEvaluation): string[] {
  const offLabel = evaluation.unusableLm - evaluation.failedLm;
  const notes: string[] = [];
  if (offLabel > 0) {
    notes.push(`${offLabel} LM answers were off the label set (counted wrong for the LM alone)`);
  }
  if (evaluation.failedLm > 0) {
    notes.push(
      `${evaluation.failedLm} LM calls failed after their retries (counted wrong for the LM alone; the adapted system answers them with the SSM); the last: ${evaluation.lastLmFailure ?? "unknown"}`,
    );
  }
  return notes;
}
