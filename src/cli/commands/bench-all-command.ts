import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import { warnAboutTestRowsOutsideTask } from "../../benchmark/bench-warnings.js";
import { type BenchResult, runBenchmark } from "../../benchmark/benchmark.js";
import { sharedDatasetsDir } from "../../data/shared-datasets.js";
import { formatPercent, formatTable } from "../../evaluate/format-table.js";
import { DataError } from "../../spec/errors/data-error.js";
import { UsageError } from "../../spec/errors/usage-error.js";
import { addEncoderOptions, benchEncoderOptions, encoderOptionsSchema } from "../encoder-options.js";
import { parseOptions } from "../parse-options.js";
import { createProgressDisplay } from "../progress-display.js";
import { runAction } from "../run-action.js";

const benchAllOptionsSchema = encoderOptionsSchema.extend({
  datasets: z.string().min(1).optional(),
  json: z.boolean().default(false),
  ablation: z.boolean().default(true),
});

export function registerBenchAllCommand(program: Command): void {
  const command = program
    .command("bench-all")
    .description(
      "run `bench --ablation` on every dataset folder (default ../shared/datasets) with its primary LLM column (the first LLM column of dev.csv)",
    )
    .option(
      "--datasets <dir>",
      "folder of dataset folders (default: ../shared/datasets beside the repository)",
    )
    .option("--no-ablation", "skip the ablation rows")
    .option("--json", "print one JSON array (one bench object per dataset)");
  addEncoderOptions(command).action(
    runAction(async (rawOptions: Record<string, unknown>) => {
      const options = parseOptions(benchAllOptionsSchema, rawOptions);
      const root = options.datasets === undefined ? sharedDatasetsDir() : resolve(options.datasets);
      if (root === undefined) throw new UsageError("no ../shared/datasets folder found: pass --datasets DIR");
      const entries = (await readdir(root, { withFileTypes: true }))
        .filter((entry) => entry.isDirectory() && existsSync(join(root, entry.name, "dev.csv")))
        .map((entry) => entry.name)
        .sort();
      if (entries.length === 0) throw new DataError("no dataset folders (with dev.csv) here", { file: root });
      const results: BenchResult[] = [];
      for (const name of entries) {
        const directory = join(root, name);
        const column = await primaryLlmColumn(join(directory, "dev.csv"));
        process.stderr.write(`bench ${name} (${column})\n`);
        const display = createProgressDisplay();
        const run = await runBenchmark({
          datasetDir: directory,
          llmColumn: column,
          ablation: options.ablation,
          ...benchEncoderOptions(options),
          onProgress: display.listener,
        });
        display.finish();
        warnAboutTestRowsOutsideTask(run);
        results.push(run.result);
      }
      if (options.json) {
        process.stdout.write(`${JSON.stringify(results)}\n`);
        return;
      }
      process.stdout.write(`${formatBenchResults(results)}\n`);
    }),
  );
}

/** The first column of the header after `text` and `label`. */
async function primaryLlmColumn(devFile: string): Promise<string> {
  const content = await readFile(devFile, "utf8");
  const header = (content.split(/\r?\n/, 1)[0] ?? "").replace(/^\uFEFF/, "");
  const columns = header.split(",").map((column) => column.trim().replace(/^"|"$/g, ""));
  const llm = columns.find((column) => column !== "text" && column !== "label" && column !== "");
  if (llm === undefined) throw new DataError("no LLM column after text and label", { file: devFile, row: 0 });
  return llm;
}

export function formatBenchResults(results: readonly BenchResult[]): string {
  const columns = [
    { header: "dataset" },
    { header: "LLM" },
    { header: "LM alone", align: "right" as const },
    { header: "SSM alone", align: "right" as const },
    { header: "adapted", align: "right" as const },
    { header: "LM share", align: "right" as const },
    { header: "oracle", align: "right" as const },
    { header: "adapt s", align: "right" as const },
  ];
  const rows = results.map((result) => [
    result.dataset,
    result.llmColumn,
    formatPercent(result.results.lm.accuracy),
    formatPercent(result.results.ssm.accuracy),
    formatPercent(result.results.adapted.accuracy),
    formatPercent(result.results.adapted.lmShare, 1),
    formatPercent(result.results.oracle.accuracy),
    result.timings.adaptSeconds.toFixed(1),
  ]);
  const lines = [formatTable(columns, rows)];
  for (const result of results) {
    if (result.ablation === undefined) continue;
    lines.push("", `ablation, ${result.dataset} (${result.llmColumn}):`);
    lines.push(
      formatTable(
        [
          { header: "variant" },
          { header: "accuracy", align: "right" },
          { header: "macro-F1", align: "right" },
          { header: "LM share", align: "right" },
          { header: "note" },
        ],
        result.ablation.map((row) => [
          row.name,
          row.accuracy === null ? "n/a" : formatPercent(row.accuracy),
          row.macroF1 === null ? "n/a" : formatPercent(row.macroF1),
          row.lmShare === null ? "n/a" : formatPercent(row.lmShare, 1),
          row.note ?? "",
        ]),
      ),
    );
  }
  return lines.join("\n");
}
