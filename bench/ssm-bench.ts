/**
 * `npm run bench:ssm` — the ngram-linear small model against the fastText CLI on the shared
 * datasets (banking77, imdb): train on train.csv, score on test.csv, in the same run.
 *
 *   npm run bench:ssm -- [--json] [--no-fasttext] [--datasets banking77,imdb]
 *   (that is `npm run build:bench && node dist-bench/bench/ssm-bench.js …`)
 *
 * Each of our trainings runs in a child process of its own, so its peak RSS is its own.
 * fastText (where `fasttext` is on PATH) runs with `-epoch 50 -wordNgrams 3 -minn 3 -maxn 5
 * -dim 100 -lr 0.5 -thread 2 -bucket 500000`; its peak memory is VmHWM polled from /proc, and its
 * per-text prediction time is (time to predict the test file − time to predict one line) / rows,
 * which leaves out loading the model.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadRows } from "../src/data/stream-rows.js";
import { taskFromRows } from "../src/data/task-from-rows.js";
import { trainingSetFromRows } from "../src/data/training-set.js";
import { trainNgramLinear } from "../src/small-models/train-ngram-linear.js";
import { sharedDatasetsDir } from "./shared-datasets.js";

interface BenchResult {
  system: "easy-adapt ngram-linear" | "fastText";
  dataset: string;
  accuracy: number;
  trainSeconds: number;
  /** CPU seconds of training (ours only; robust to a busy machine), null for fastText. */
  trainCpuSeconds: number | null;
  predictMicrosPerText: number;
  peakRssMb: number;
  trainRows: number;
  testRows: number;
}

const FASTTEXT_ARGS = [
  "-epoch",
  "50",
  "-wordNgrams",
  "3",
  "-minn",
  "3",
  "-maxn",
  "5",
  "-dim",
  "100",
  "-lr",
  "0.5",
  "-thread",
  "2",
  "-bucket",
  "500000",
];

/** Child-process mode: train ours on one dataset and print one JSON result. */
async function runOurs(datasetsDir: string, dataset: string): Promise<BenchResult> {
  const train = await loadRows(join(datasetsDir, dataset, "train.csv"));
  const test = await loadRows(join(datasetsDir, dataset, "test.csv"));
  const task = taskFromRows(dataset, train);
  const startedAt = performance.now();
  const cpuBefore = process.cpuUsage();
  const model = await trainNgramLinear(trainingSetFromRows(train, task));
  const trainSeconds = (performance.now() - startedAt) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const probabilities = new Float32Array(task.labels.length);
  for (const row of test.slice(0, 200)) model.predictProbaInto(row.text, probabilities); // warm-up
  const micros = new Float64Array(test.length);
  let correct = 0;
  test.forEach((row, index) => {
    const start = performance.now();
    model.predictProbaInto(row.text, probabilities);
    micros[index] = (performance.now() - start) * 1000;
    let best = 0;
    for (let k = 1; k < probabilities.length; k++) if (probabilities[k]! > probabilities[best]!) best = k;
    if (task.labels[best] === row.label) correct++;
  });
  micros.sort();
  return {
    system: "easy-adapt ngram-linear",
    dataset,
    accuracy: correct / test.length,
    trainSeconds,
    trainCpuSeconds: (cpu.user + cpu.system) / 1e6,
    predictMicrosPerText: micros[micros.length >> 1]!,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    trainRows: train.length,
    testRows: test.length,
  };
}

function runOursInChild(dataset: string): Promise<BenchResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), "--worker", dataset],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
    });
    child.on("error", reject);
    child.on("close", (status) => {
      if (status !== 0) reject(new Error(`the benchmark worker for ${dataset} exited with ${status}`));
      else resolve(JSON.parse(output) as BenchResult);
    });
  });
}

function fastTextAvailable(): boolean {
  return spawnSync("fasttext", [], { stdio: "ignore" }).error === undefined;
}

/** Runs a command, polling /proc/PID/status for its peak resident memory (VmHWM). */
function runMeasured(
  command: string,
  args: string[],
): Promise<{ seconds: number; peakKb: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let peakKb = 0;
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const poll = async (): Promise<void> => {
      try {
        const status = await readFile(`/proc/${child.pid}/status`, "utf8");
        const match = /VmHWM:\s+(\d+) kB/.exec(status);
        if (match !== null) peakKb = Math.max(peakKb, Number(match[1]));
      } catch {
        // the process has ended
      }
    };
    const timer = setInterval(() => void poll(), 20);
    child.on("error", reject);
    child.on("close", (status) => {
      clearInterval(timer);
      if (status !== 0)
        reject(new Error(`${command} ${args.join(" ")} exited with ${status}: ${stderr.slice(-500)}`));
      else resolve({ seconds: (performance.now() - startedAt) / 1000, peakKb, stdout });
    });
  });
}

function fastTextLine(text: string, label?: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return label === undefined ? flat : `__label__${label} ${flat}`;
}

async function runFastText(datasetsDir: string, dataset: string): Promise<BenchResult> {
  const directory = await mkdtemp(join(tmpdir(), "easy-adapt-fasttext-"));
  try {
    const train = await loadRows(join(datasetsDir, dataset, "train.csv"));
    const test = await loadRows(join(datasetsDir, dataset, "test.csv"));
    await writeFile(
      join(directory, "train.txt"),
      `${train.map((row) => fastTextLine(row.text, row.label)).join("\n")}\n`,
    );
    await writeFile(join(directory, "test.txt"), `${test.map((row) => fastTextLine(row.text)).join("\n")}\n`);
    await writeFile(join(directory, "one.txt"), `${fastTextLine(test[0]!.text)}\n`);
    const modelPrefix = join(directory, "model");
    const training = await runMeasured("fasttext", [
      "supervised",
      "-input",
      join(directory, "train.txt"),
      "-output",
      modelPrefix,
      ...FASTTEXT_ARGS,
    ]);
    const prediction = await runMeasured("fasttext", [
      "predict",
      `${modelPrefix}.bin`,
      join(directory, "test.txt"),
    ]);
    const loadOnly = await runMeasured("fasttext", [
      "predict",
      `${modelPrefix}.bin`,
      join(directory, "one.txt"),
    ]);
    const predicted = prediction.stdout.trim().split("\n");
    let correct = 0;
    test.forEach((row, index) => {
      if (predicted[index] === `__label__${row.label}`) correct++;
    });
    return {
      system: "fastText",
      dataset,
      accuracy: correct / test.length,
      trainSeconds: training.seconds,
      trainCpuSeconds: null,
      predictMicrosPerText: (Math.max(0, prediction.seconds - loadOnly.seconds) * 1e6) / test.length,
      peakRssMb: training.peakKb / 1024,
      trainRows: train.length,
      testRows: test.length,
    };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

function formatTable(results: BenchResult[]): string {
  const header = ["dataset", "system", "test accuracy", "train s", "train CPU s", "µs / text", "peak MB"];
  const rows = results.map((result) => [
    result.dataset,
    result.system,
    result.accuracy.toFixed(4),
    result.trainSeconds.toFixed(2),
    result.trainCpuSeconds === null ? "–" : result.trainCpuSeconds.toFixed(2),
    result.predictMicrosPerText.toFixed(1),
    result.peakRssMb.toFixed(0),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => (column < 2 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join("  ");
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n");
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const datasetsDir = sharedDatasetsDir();
  if (datasetsDir === undefined) {
    process.stderr.write("bench:ssm: ../shared/datasets is absent; nothing to measure.\n");
    process.exitCode = 1;
    return;
  }
  const workerIndex = args.indexOf("--worker");
  if (workerIndex >= 0) {
    process.stdout.write(JSON.stringify(await runOurs(datasetsDir, args[workerIndex + 1] ?? "")));
    return;
  }
  const json = args.includes("--json");
  const datasetsIndex = args.indexOf("--datasets");
  const datasets = datasetsIndex >= 0 ? (args[datasetsIndex + 1] ?? "").split(",") : ["banking77", "imdb"];
  const fastTextInstalled = fastTextAvailable();
  const withFastText = !args.includes("--no-fasttext") && fastTextInstalled;
  const results: BenchResult[] = [];
  for (const dataset of datasets) {
    if (!json) process.stderr.write(`bench:ssm: ${dataset}: training ngram-linear…\n`);
    results.push(await runOursInChild(dataset));
    if (withFastText) {
      if (!json) process.stderr.write(`bench:ssm: ${dataset}: training fastText…\n`);
      results.push(await runFastText(datasetsDir, dataset));
    }
  }
  const ratios = datasets.map((dataset) => {
    const ours = results.find((result) => result.dataset === dataset && result.system !== "fastText");
    const theirs = results.find((result) => result.dataset === dataset && result.system === "fastText");
    return { dataset, trainTimeRatio: ours && theirs ? ours.trainSeconds / theirs.trainSeconds : null };
  });
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ fastText: withFastText, fastTextArgs: FASTTEXT_ARGS.join(" "), results, ratios })}\n`,
    );
    return;
  }
  if (!withFastText) {
    process.stdout.write(
      fastTextInstalled
        ? "fastText skipped (--no-fasttext): showing easy-adapt's model alone.\n\n"
        : "fastText is not installed (no `fasttext` on PATH): showing easy-adapt's model alone.\n\n",
    );
  } else {
    process.stdout.write(`fastText settings: ${FASTTEXT_ARGS.join(" ")}\n\n`);
  }
  process.stdout.write(`${formatTable(results)}\n`);
  for (const ratio of ratios) {
    if (ratio.trainTimeRatio !== null) {
      process.stdout.write(
        `\n${ratio.dataset}: ngram-linear trains in ${ratio.trainTimeRatio.toFixed(2)}× fastText's time`,
      );
    }
  }
  process.stdout.write("\n");
}

await main();
