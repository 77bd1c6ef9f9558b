import { resolve } from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import { loadRows } from "../../data/stream-rows.js";
import { loadTask } from "../../data/task-file.js";
import { writeCsvFile } from "../../data/write-csv.js";
import { createClassificationPrompter } from "../../large-models/classification-prompt.js";
import { budgetShortfall, formatDryRunEstimate } from "../../large-models/dry-run-estimate.js";
import type { BatchProbeSummary } from "../../probe/batch/batch-probe.js";
import { type ProbeResult, probe } from "../../probe/probe.js";
import { ProbeStoppedError } from "../../probe/probe-stopped-error.js";
import { EasyAdaptError } from "../../spec/errors/easy-adapt-error.js";
import { UsageError } from "../../spec/errors/usage-error.js";
import type { Task } from "../../spec/task.js";
import {
  addBatchOptions,
  type BatchSettings,
  batchSettingsFrom,
  estimateCost,
  runBatchProbe,
} from "../batch-options.js";
import { addLargeModelOptions, type LargeModelSetup, largeModelFromOptions } from "../lm-options.js";
import { parseOptions } from "../parse-options.js";
import { addProbeOptions, type ProbeLimits, probeLimitsFromOptions } from "../probe-options.js";
import { createProgressDisplay } from "../progress-display.js";
import { runAction } from "../run-action.js";

const probeOptionsSchema = z.object({
  task: z.string({ error: "--task FILE is required" }).min(1),
  data: z.string({ error: "--data FILE is required" }).min(1),
  out: z.string().min(1).optional(),
  textColumn: z.string().min(1).default("text"),
  json: z.boolean().default(false),
});

export function registerProbeCommand(program: Command): void {
  const command = program
    .command("probe")
    .description(
      "ask the large model about every row of a data file and write its answers (cached, budgeted)",
    )
    .option("--task <file>", "task.json (name, labels, optional instructions and examples)")
    .option("--data <file>", "CSV or JSONL rows to ask about")
    .option("--out <file>", "answers CSV to write (columns text, answer, raw); required unless --dry-run")
    .option("--text-column <name>", "column holding the text", "text")
    .option("--json", "print one JSON summary object on stdout");
  addProbeOptions(command);
  addLargeModelOptions(command);
  addBatchOptions(command);
  command.action(runAction(async (rawOptions: Record<string, unknown>) => probeCommand(rawOptions)));
}

type ProbeCommandOptions = z.output<typeof probeOptionsSchema>;

async function probeCommand(rawOptions: Record<string, unknown>): Promise<void> {
  const options = parseOptions(probeOptionsSchema, rawOptions);
  const setup = largeModelFromOptions(rawOptions, process.env);
  const limits = probeLimitsFromOptions(rawOptions, setup.settings);
  try {
    const batch = batchSettingsFrom(rawOptions, setup);
    if (options.out === undefined && !setup.dryRun) throw new UsageError("--out FILE is required");
    const task = await loadTask(options.task);
    const rows = await loadRows(options.data, { textColumn: options.textColumn, labelsOptional: true });
    const texts = rows.map((row) => row.text);
    if (setup.dryRun) await printDryRunEstimate(setup, batch, task, texts, options.json);
    else await probeAndWriteAnswers(options, setup, { batch, limits }, task, texts);
  } finally {
    setup.close();
  }
}

/** `--dry-run`: what probing these texts would cost, and a warning when the budget falls short. */
async function printDryRunEstimate(
  setup: LargeModelSetup,
  batch: BatchSettings,
  task: Task,
  texts: readonly string[],
  json: boolean,
): Promise<void> {
  const prompt = createClassificationPrompter(task);
  const estimate = await estimateCost(
    setup,
    batch,
    texts.map((text) => prompt(text)),
  );
  const shortfall = budgetShortfall(estimate, setup.budget.limits);
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ dryRun: true, ...estimate, budgetShortfall: shortfall ?? null, ...(batch.batch ? { batchDiscount: batch.batchDiscount } : {}) })}\n`,
    );
  } else {
    process.stdout.write(`${formatDryRunEstimate(estimate)}\n`);
    if (batch.batch) process.stdout.write(`(at the batch price: ${batch.batchDiscount} x the list price)\n`);
    if (shortfall !== undefined) process.stdout.write(`warning: ${shortfall}\n`);
  }
}

/**
 * Probes every text (stopped cleanly by SIGINT or SIGTERM), writes the answers CSV and prints the
 * summary; exits non-zero when rows failed. A stopped probe prints, with --json, what was left.
 */
async function probeAndWriteAnswers(
  options: ProbeCommandOptions,
  setup: LargeModelSetup,
  lm: { batch: BatchSettings; limits: ProbeLimits },
  task: Task,
  texts: readonly string[],
): Promise<void> {
  const { batch, limits } = lm;
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const display = createProgressDisplay();
  try {
    const batchSummary = batch.batch
      ? await runBatchProbe(setup, batch, texts.map(createClassificationPrompter(task)), {
          onProgress: display.listener,
          signal: controller.signal,
          env: process.env,
        })
      : undefined;
    const result = await probe(texts, task, setup.model, {
      concurrency: setup.concurrency,
      onProgress: display.listener,
      progressDetail: () => setup.describeSpend(),
      signal: controller.signal,
      ...limits,
    });
    display.finish();
    await writeCsvFile(
      resolve(options.out!),
      ["text", "answer", "raw"],
      result.rows.map((row, index) => ({ text: texts[index]!, answer: row.label ?? "", raw: row.raw })),
    );
    const summary = probeSummary(result, setup, batchSummary);
    printProbeSummary(summary, options);
    if (summary.failed > 0) {
      throw new EasyAdaptError(
        `${summary.failed} of ${summary.rows} rows failed after retries (their errors are in the raw column of ${options.out})`,
        { isUserError: true, exitCode: 1 },
      );
    }
  } catch (error) {
    display.finish();
    if (error instanceof ProbeStoppedError && options.json) {
      const stats = setup.stats();
      process.stdout.write(
        `${JSON.stringify({ stopped: error.reason, rows: texts.length, unanswered: error.unanswered, httpCalls: stats.httpCalls })}\n`,
      );
    }
    throw error;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** The figures `probe` prints: the row counts, the HTTP calls made and the time taken. */
interface ProbeSummary {
  rows: number;
  answered: number;
  unparseable: number;
  failed: number;
  httpCalls: number;
  cacheHits: number;
  /** Replies that held no text: counted unparseable, never cached. */
  emptyReplies: number;
  /** Rows that failed after their retries and were asked once more later in the run. */
  secondChances: number;
  seconds: number;
  /** With --batch: what the batch API answered (the rest was asked synchronously). */
  batch?: BatchProbeSummary;
}

function probeSummary(
  result: ProbeResult,
  setup: LargeModelSetup,
  batch: BatchProbeSummary | undefined,
): ProbeSummary {
  const stats = setup.stats();
  return {
    rows: result.stats.rows,
    answered: result.stats.answered,
    unparseable: result.stats.unparseable,
    failed: result.stats.failed,
    httpCalls: stats.httpCalls,
    cacheHits: result.stats.cacheHits,
    emptyReplies: result.stats.emptyReplies,
    secondChances: result.stats.secondChances,
    seconds: Number(result.stats.seconds.toFixed(3)),
    ...(batch === undefined ? {} : { batch }),
  };
}

/**
 * Prints the summary as one JSON object (--json) or one line naming the answers file (and lines on
 * second chances and empty replies).
 */
function printProbeSummary(summary: ProbeSummary, options: ProbeCommandOptions): void {
  if (options.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  process.stdout.write(
    `probed ${summary.rows} rows: ${summary.answered} answered, ${summary.unparseable} unparseable, ` +
      `${summary.failed} failed; ${summary.httpCalls} HTTP calls, ${summary.cacheHits} from cache, ` +
      `${summary.seconds}s; wrote ${options.out}\n`,
  );
  if (summary.secondChances > 0) {
    process.stdout.write(
      `${summary.secondChances} rows failed after their retries and were asked once more later in the run\n`,
    );
  }
  if (summary.emptyReplies > 0) {
    process.stdout.write(
      `${summary.emptyReplies} replies held no text (content null or empty): counted unparseable, never cached\n`,
    );
  }
}
