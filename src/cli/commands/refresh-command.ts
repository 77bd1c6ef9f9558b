import type { Command } from "commander";
import { z } from "zod";
import { loadAdapterArtifact } from "../../adapter/adapter-artifact.js";
import { loadRows } from "../../data/stream-rows.js";
import { type LoggedAnswers, readDecisionLogAnswers } from "../../refresh/decision-log-answers.js";
import { type RefreshResult, refreshAdapter } from "../../refresh/refresh-adapter.js";
import type { DataRow } from "../../spec/dataset.js";
import { UsageError } from "../../spec/errors/usage-error.js";
import type { Task } from "../../spec/task.js";
import { withAdapterLmDefaults } from "../adapter-lm-defaults.js";
import { addLargeModelOptions, type LargeModelSetup, largeModelFromOptions } from "../lm-options.js";
import { openAdapterFolder } from "../output-folder.js";
import { parseOptions } from "../parse-options.js";
import { createProgressDisplay } from "../progress-display.js";
import { reportLoggedAnswers } from "../refresh-log-notes.js";
import { formatRefreshSummary, type RefreshSummary, refreshSummary } from "../refresh-summary.js";
import { runAction } from "../run-action.js";
import {
  addTrainingThreadsOption,
  trainingThreadsOf,
  trainingThreadsOptionSchema,
} from "../training-threads-option.js";

const share = (flag: string) =>
  z
    .string()
    .trim()
    .refine((text) => text !== "" && Number.isFinite(Number(text)), `${flag} must be a number`)
    .transform(Number)
    .refine((value) => value >= 0 && value <= 1, `${flag} must be between 0 and 1`);

const refreshOptionsSchema = z.object({
  adapter: z.string({ error: "--adapter DIR is required" }).min(1),
  log: z.array(z.string().min(1), { error: "--log FILE is required" }).min(1),
  gold: z.string().min(1).optional(),
  train: z.string().min(1).optional(),
  out: z.string({ error: "--out DIR is required" }).min(1),
  maxDisagreement: share("--max-disagreement").optional(),
  maxLmShare: share("--max-lm-share").optional(),
  textColumn: z.string().min(1).default("text"),
  labelColumn: z.string().min(1).default("label"),
  json: z.boolean().default(false),
  ...trainingThreadsOptionSchema.shape,
});

type RefreshCommandOptions = z.output<typeof refreshOptionsSchema>;

export function registerRefreshCommand(program: Command): void {
  const command = program
    .command("refresh")
    .description(
      "build the next adapter from the LLM's answers in serve's decision logs (--log-inputs), the adapter's kept rows and gold rows",
    )
    .option("--adapter <dir>", "the adapter to start from (only read)")
    .option("--log <files...>", "decision logs written by serve --log FILE --log-inputs")
    .option(
      "--gold <file>",
      "rows with gold labels (CSV or JSONL): the LLM is asked about those it has not answered",
    )
    .option("--train <file>", "more training rows (labels optional)")
    .option(
      "--out <dir>",
      "the new adapter's folder: new, empty, or an adapter to replace (the served one too)",
    )
    .option(
      "--max-disagreement <share>",
      "without gold labels: at most this share of the inputs the small model answers may differ from the LLM (default: the adapter's, else 0.02)",
    )
    .option("--max-lm-share <share>", "cap the share of inputs sent to the LLM (0..1)")
    .option("--text-column <name>", "column holding the text in --gold and --train", "text")
    .option("--label-column <name>", "column holding the gold label in --gold and --train", "label")
    .option("--json", "print the summary as one JSON object");
  addLargeModelOptions(command);
  addTrainingThreadsOption(command);
  command.action(runAction(async (rawOptions: Record<string, unknown>) => refreshCommand(rawOptions)));
}

async function refreshCommand(rawOptions: Record<string, unknown>): Promise<void> {
  const options = parseOptions(refreshOptionsSchema, rawOptions);
  if (options.maxDisagreement !== undefined && options.maxLmShare !== undefined)
    throw new UsageError("give either --max-disagreement or --max-lm-share, not both");
  const { description } = await loadAdapterArtifact(options.adapter);
  const logged = await readDecisionLogAnswers(options.log, description.task);
  reportLoggedAnswers(logged, options.gold !== undefined || options.train !== undefined);
  const extra = await loadExtraRows(options, description.task);
  // Refuses a non-empty folder that is not an adapter before the work starts.
  const outputFolder = await openAdapterFolder(options.out);
  const setup = extra.gold.length + extra.train.length > 0 ? lmSetup(rawOptions, description) : undefined;
  const display = createProgressDisplay();
  try {
    const started = performance.now();
    const refreshed = await refreshAdapter({
      from: { adapterDir: options.adapter },
      answers: logged.answers,
      goldRows: extra.gold,
      trainRows: extra.train,
      ...(setup === undefined ? {} : { largeModel: setup.model }),
      ...(options.maxDisagreement === undefined ? {} : { maxDisagreement: options.maxDisagreement }),
      ...(options.maxLmShare === undefined ? {} : { maxLmShare: options.maxLmShare }),
      ...trainingThreadsOf(options),
      onProgress: display.listener,
    });
    await outputFolder.writeAdapter((directory) => refreshed.result.save(directory));
    display.finish();
    printSummary(options, refreshed, logged, outputFolder.path, (performance.now() - started) / 1000);
  } catch (error) {
    display.finish();
    await outputFolder.discardIfEmpty();
    throw error;
  } finally {
    setup?.close();
  }
}

/** The --gold rows (labels required) and --train rows (labels optional), checked against the task's labels. */
async function loadExtraRows(
  options: RefreshCommandOptions,
  task: Task,
): Promise<{ gold: DataRow[]; train: DataRow[] }> {
  const columns = { textColumn: options.textColumn, labelColumn: options.labelColumn, labels: task.labels };
  return {
    gold: options.gold === undefined ? [] : await loadRows(options.gold, columns),
    train:
      options.train === undefined ? [] : await loadRows(options.train, { ...columns, labelsOptional: true }),
  };
}

/** The LLM the adapter was calibrated against (its model and base URL unless the LM flags say otherwise). */
function lmSetup(
  rawOptions: Record<string, unknown>,
  description: Parameters<typeof withAdapterLmDefaults>[1],
): LargeModelSetup {
  const setup = largeModelFromOptions(withAdapterLmDefaults(rawOptions, description), process.env);
  if (setup.dryRun) {
    setup.close();
    throw new UsageError("--dry-run is not supported by refresh");
  }
  return setup;
}

function printSummary(
  options: RefreshCommandOptions,
  refreshed: RefreshResult,
  logged: LoggedAnswers,
  adapterPath: string,
  seconds: number,
): void {
  const summary: RefreshSummary = refreshSummary(refreshed, logged, {
    from: options.adapter,
    adapter: adapterPath,
    seconds,
  });
  process.stdout.write(options.json ? `${JSON.stringify(summary)}\n` : formatRefreshSummary(summary));
}
