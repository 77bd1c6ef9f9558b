import { homedir } from "node:os";
import type { Command } from "commander";
import { z } from "zod";
import { benchReport } from "../../benchmark/bench-report.js";
import { warnAboutTestRowsOutsideTask } from "../../benchmark/bench-warnings.js";
import { runBenchmark } from "../../benchmark/benchmark.js";
import { defaultDatasetCacheDir, resolveDemoDataset } from "../../data/demo-data.js";
import { writeEvaluationReport } from "../../evaluate/evaluation-report.js";
import { formatSystemsTable } from "../../evaluate/format-table.js";
import { openOutputFolder } from "../output-folder.js";
import { parseOptions } from "../parse-options.js";
import { createProgressDisplay } from "../progress-display.js";
import { runAction } from "../run-action.js";

const demoOptionsSchema = z.object({
  dataDir: z.string().min(1).optional(),
  out: z.string().min(1).default("easy-adapt-demo"),
  json: z.boolean().default(false),
});

export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description(
      "the whole method on Banking77 with GPT-4's recorded answers (served over HTTP by a local replay server): adapt, evaluate, report",
    )
    .option(
      "--data-dir <dir>",
      "folder holding banking77/ (or the banking77 folder itself); default: EASY_ADAPT_DATA, ../shared/datasets, the download cache",
    )
    .option(
      "--out <dir>",
      "where report.html, report.md, report.json and operating-curve.svg go",
      "easy-adapt-demo",
    )
    .option("--json", "print the bench JSON object instead of the table")
    .action(
      runAction(async (rawOptions: Record<string, unknown>) => {
        const options = parseOptions(demoOptionsSchema, rawOptions);
        const environmentDataDir = process.env["EASY_ADAPT_DATA"];
        const xdgCacheHome = process.env["XDG_CACHE_HOME"];
        const datasetDir = await resolveDemoDataset({
          ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
          ...(environmentDataDir === undefined ? {} : { environmentDataDir }),
          cacheDir: defaultDatasetCacheDir({
            homeDir: homedir(),
            ...(xdgCacheHome === undefined ? {} : { xdgCacheHome }),
          }),
          fetch: globalThis.fetch,
          onEvent: (event) => {
            if (event.type === "download-start") process.stderr.write(`downloading ${event.url}\n`);
            if (event.type === "demo-data-found") process.stderr.write(`demo data: ${event.dir}\n`);
          },
        });
        const outputFolder = await openOutputFolder(options.out);
        const display = createProgressDisplay();
        const run = await runBenchmark({ datasetDir, llmColumn: "gpt4", onProgress: display.listener }).catch(
          async (error: unknown) => {
            // A failed run leaves no empty --out folder behind where it created one.
            display.finish();
            await outputFolder.discardIfEmpty();
            throw error;
          },
        );
        display.finish();
        warnAboutTestRowsOutsideTask(run);
        const report = benchReport(run);
        const files = await writeEvaluationReport(report, outputFolder.path);
        if (options.json) {
          process.stdout.write(`${JSON.stringify(run.result)}\n`);
          return;
        }
        process.stdout.write(
          `Banking77 (77 intents), GPT-4's recorded answers, test split (${run.result.counts.test} rows):\n`,
        );
        process.stdout.write(`${formatSystemsTable(report)}\n`);
        process.stdout.write(
          `report: ${files.htmlPath} (also ${files.markdownPath}, ${files.jsonPath}, ${files.svgPath})\n`,
        );
      }),
    );
}
