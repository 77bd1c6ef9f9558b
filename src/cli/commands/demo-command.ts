import { homedir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import { benchReport } from "../../benchmark/bench-report.js";
import { warnAboutTestRowsOutsideTask } from "../../benchmark/bench-warnings.js";
import { type BenchRun, runBenchmark } from "../../benchmark/benchmark.js";
import { defaultDatasetCacheDir, resolveDemoDataset } from "../../data/demo-data.js";
import { streamRows } from "../../data/stream-rows.js";
import { writeEvaluationReport } from "../../evaluate/evaluation-report.js";
import { formatSystemsTable } from "../../evaluate/format-table.js";
import { cliInvocation, formatDemoNextSteps } from "../demo-next-steps.js";
import { type AdapterOutputFolder, openAdapterFolder, openOutputFolder } from "../output-folder.js";
import { parseOptions } from "../parse-options.js";
import { createProgressDisplay } from "../progress-display.js";
import { runAction } from "../run-action.js";

const demoOptionsSchema = z.object({
  dataDir: z.string().min(1).optional(),
  out: z.string().min(1).default("easy-adapt-demo"),
  json: z.boolean().default(false),
});

/** The port the demo's replay server takes when it is free, so that the printed commands can reuse it. */
export const demoReplayPort = 8787;

/** The recorded answer column that plays the LLM in the demo. */
const demoLlmColumn = "gpt4";

export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description(
      "the whole method on Banking77 with GPT-4's recorded answers (served over HTTP by a local replay server): adapt, evaluate, report, and keep the adapter",
    )
    .option(
      "--data-dir <dir>",
      "folder holding banking77/ (or the banking77 folder itself); default: EASY_ADAPT_DATA, ../shared/datasets, the download cache",
    )
    .option(
      "--out <dir>",
      "where report.html, report.md, report.json, operating-curve.svg and the adapter (adapter/) go",
      "easy-adapt-demo",
    )
    .option("--json", "print the bench JSON object instead of the table")
    .action(runAction(async (rawOptions: Record<string, unknown>) => demoCommand(rawOptions)));
}

/** Finds the data, runs the benchmark, writes the reports and the adapter, prints the table and what to run next. */
async function demoCommand(rawOptions: Record<string, unknown>): Promise<void> {
  const options = parseOptions(demoOptionsSchema, rawOptions);
  const datasetDir = await findDemoData(options.dataDir);
  const outputFolder = await openOutputFolder(options.out);
  // Checked before the run: a folder there that is not an adapter is refused at once.
  const adapterFolder = await openAdapterFolder(join(options.out, "adapter"), "--out");
  const display = createProgressDisplay();
  const run = await runBenchmark({
    datasetDir,
    llmColumn: demoLlmColumn,
    replayPort: demoReplayPort,
    onProgress: display.listener,
  }).catch(async (error: unknown) => {
    // A failed run leaves no empty --out folder behind where it created one.
    display.finish();
    await adapterFolder.discardIfEmpty();
    await outputFolder.discardIfEmpty();
    throw error;
  });
  display.finish();
  warnAboutTestRowsOutsideTask(run);
  const report = benchReport(run);
  const files = await writeEvaluationReport(report, outputFolder.path);
  await adapterFolder.writeAdapter((directory) => run.adaptation.save(directory));
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
  process.stdout.write(await nextSteps(run, datasetDir, adapterFolder, outputFolder.path));
}

/** The demo's data folder: --data-dir, EASY_ADAPT_DATA, the shared datasets, the download cache (downloading it if need be). */
function findDemoData(dataDir: string | undefined): Promise<string> {
  const environmentDataDir = process.env["EASY_ADAPT_DATA"];
  const xdgCacheHome = process.env["XDG_CACHE_HOME"];
  return resolveDemoDataset({
    ...(dataDir === undefined ? {} : { dataDir }),
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
}

/** The closing lines: the kept adapter and the commands that use it. */
async function nextSteps(
  run: BenchRun,
  datasetDir: string,
  adapterFolder: AdapterOutputFolder,
  outDir: string,
): Promise<string> {
  return formatDemoNextSteps(
    {
      cli: cliInvocation(process.argv[1], process.cwd()),
      adapterDir: adapterFolder.path,
      outDir,
      datasetDir,
      llmColumn: demoLlmColumn,
      lmBaseUrl: run.adaptation.description.lmBaseUrl ?? `http://127.0.0.1:${demoReplayPort}/v1`,
      exampleText: await exampleText(run, join(datasetDir, "test.csv")),
    },
    process.cwd(),
  );
}

/** The first test text the adapter sends to the LLM (so that `predict` shows the LLM's route), else the first. */
async function exampleText(run: BenchRun, testFile: string): Promise<string> {
  let first: string | undefined;
  for await (const row of streamRows(testFile, { labelsOptional: true })) {
    first ??= row.text;
    if (run.adaptation.adapter.decide(row.text).useLm) return row.text;
  }
  return first ?? "I still have not received my card";
}
