import { existsSync } from "node:fs";
import { mkdir, open, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { UsageError } from "../spec/errors/index.js";
import {
  convertOcatsBanking77,
  type OcatsBanking77Sources,
  ocatsBanking77Paths,
  ocatsRawBaseUrl,
  ocatsRepository,
} from "./ocats-conversion.js";
import { sharedDatasetsDir } from "./shared-datasets.js";

/** The demo dataset's folder name inside a datasets folder (../shared/datasets, the cache). */
export const demoDatasetName = "banking77";
export const demoDatasetFiles = ["train.csv", "dev.csv", "test.csv", "labels.txt"] as const;
/** Columns dev.csv and test.csv must have: the demo replays the recorded GPT-4 answers. */
export const demoRequiredColumns = ["text", "label", "gpt4"] as const;

export type DemoDataEvent =
  | { type: "demo-data-found"; dir: string; source: "data-dir" | "environment" | "shared" | "cache" }
  | { type: "download-start"; url: string }
  | { type: "download-done"; url: string; bytes: number }
  | { type: "conversion-done"; dir: string; counts: Record<string, number> };

export interface ResolveDemoDatasetOptions {
  /** `--data-dir DIR`: the banking77 folder itself, or a datasets folder holding banking77/. */
  dataDir?: string;
  /** The EASY_ADAPT_DATA environment variable's value (read by the CLI, passed in). */
  environmentDataDir?: string;
  /** Where downloads are converted and kept, e.g. ~/.cache/easy-adapt/datasets. */
  cacheDir: string;
  fetch: typeof globalThis.fetch;
  /** The shared datasets folder; defaults to `sharedDatasetsDir()`, `null` skips it. */
  sharedDir?: string | null;
  /** Where the OCaTS files are downloaded from (default: raw.githubusercontent.com, pinned commit). */
  sourceBaseUrl?: string;
  /** Per-file download timeout (default 60 s). */
  timeoutMs?: number;
  onEvent?: (event: DemoDataEvent) => void;
}

/**
 * The download cache for datasets: `$XDG_CACHE_HOME/easy-adapt/datasets`, else
 * `HOME/.cache/easy-adapt/datasets`. The CLI reads the environment and passes the values in.
 */
export function defaultDatasetCacheDir(options: { homeDir: string; xdgCacheHome?: string }): string {
  const base =
    options.xdgCacheHome !== undefined && options.xdgCacheHome !== ""
      ? options.xdgCacheHome
      : join(options.homeDir, ".cache");
  return join(base, "easy-adapt", "datasets");
}

export const demoDataHelp =
  "Point easy-adapt at a folder that holds it: `easy-adapt demo --data-dir DIR` or set EASY_ADAPT_DATA=DIR. " +
  "DIR (or DIR/banking77) must hold train.csv (columns text,label), dev.csv and test.csv " +
  "(columns text,label,gpt4: the recorded GPT-4 answer, already a label name, empty when off the label set) " +
  "and labels.txt (the 77 label names, one per line) — the ../shared/datasets/banking77 format. " +
  `easy-adapt builds that folder itself from the OCaTS repository (github.com/${ocatsRepository}) when it can download.`;

async function firstLine(path: string): Promise<string> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return (buffer.subarray(0, bytesRead).toString("utf8").split(/\r?\n/)[0] ?? "").replace(/^\uFEFF/, "");
  } finally {
    await handle.close();
  }
}

/** What is wrong with `dir` as a demo dataset folder, or undefined when it is complete. */
async function problemWith(dir: string): Promise<string | undefined> {
  const missing = demoDatasetFiles.filter((file) => !existsSync(join(dir, file)));
  if (missing.length > 0) return `${dir} has no ${missing.join(", ")}`;
  for (const file of ["dev.csv", "test.csv"]) {
    const header = (await firstLine(join(dir, file)))
      .split(",")
      .map((cell) => cell.trim().replace(/^"|"$/g, ""));
    const absent = demoRequiredColumns.filter((column) => !header.includes(column));
    if (absent.length > 0)
      return `${join(dir, file)} has no column ${absent.join(", ")} (header: ${header.join(",")})`;
  }
  return undefined;
}

/** The dataset folder inside a user-given folder: the folder itself or its banking77/ subfolder. */
async function userFolder(dir: string, origin: string): Promise<string> {
  const nested = join(dir, demoDatasetName);
  const candidates = existsSync(join(dir, "test.csv")) || !existsSync(nested) ? [dir] : [nested];
  const problem = await problemWith(candidates[0]!);
  if (problem !== undefined) {
    throw new UsageError(
      `The demo data folder given by ${origin} is not usable: ${problem}. ${demoDataHelp}`,
    );
  }
  return candidates[0]!;
}

async function download(url: string, options: ResolveDemoDatasetOptions): Promise<string> {
  options.onEvent?.({ type: "download-start", url });
  const response = await options.fetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 60_000) });
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status} ${response.statusText}`);
  const text = await response.text();
  options.onEvent?.({ type: "download-done", url, bytes: Buffer.byteLength(text) });
  return text;
}

async function downloadAndConvert(target: string, options: ResolveDemoDatasetOptions): Promise<void> {
  const base = options.sourceBaseUrl ?? ocatsRawBaseUrl;
  const url = (path: string) => new URL(path, base.endsWith("/") ? base : `${base}/`).toString();
  let sources: OcatsBanking77Sources;
  let license: string;
  try {
    sources = {
      rawTrain: await download(url(ocatsBanking77Paths.rawTrain), options),
      dev: await download(url(ocatsBanking77Paths.dev), options),
      test: await download(url(ocatsBanking77Paths.test), options),
      labelNames: await download(url(ocatsBanking77Paths.labelNames), options),
    };
    license = await download(url(ocatsBanking77Paths.license), options);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(
      `Cannot find the Banking77 demo data (with recorded GPT-4 answers) and cannot download it from ${base} (${reason}). ${demoDataHelp}`,
      { cause: error },
    );
  }
  const converted = convertOcatsBanking77(sources);
  // Write beside the target and rename, so an interrupted run never leaves a half-written folder.
  await mkdir(options.cacheDir, { recursive: true });
  const partial = `${target}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial);
  for (const [file, content] of Object.entries(converted.files))
    await writeFile(join(partial, file), content);
  await writeFile(join(partial, "OCaTS-LICENSE.txt"), license);
  await writeFile(
    join(partial, "SOURCE.md"),
    `Banking77 (Casanueva et al. 2020, CC BY 4.0) with the LLM answers published by the OCaTS paper\n` +
      `(Stogiannidis et al., EMNLP Findings 2023, MIT licence: OCaTS-LICENSE.txt), downloaded from\n${base}\n` +
      `and converted by easy-adapt: ${JSON.stringify(converted.counts)}.\n`,
  );
  await rm(target, { recursive: true, force: true });
  await rename(partial, target);
  options.onEvent?.({ type: "conversion-done", dir: target, counts: converted.counts });
}

/**
 * The folder holding the demo dataset (Banking77 with recorded GPT-4 answers): `train.csv`,
 * `dev.csv`, `test.csv`, `labels.txt`. Looks, in order, at `dataDir` (--data-dir),
 * `environmentDataDir` (EASY_ADAPT_DATA), the shared datasets folder, then `cacheDir/banking77`;
 * with none of them, downloads the OCaTS files with `fetch` and converts them into the cache.
 * A given folder that is incomplete, or no data and no network, is a UsageError saying what to do.
 */
export async function resolveDemoDataset(options: ResolveDemoDatasetOptions): Promise<string> {
  if (options.dataDir !== undefined && options.dataDir !== "") {
    const dir = await userFolder(options.dataDir, "--data-dir");
    options.onEvent?.({ type: "demo-data-found", dir, source: "data-dir" });
    return dir;
  }
  if (options.environmentDataDir !== undefined && options.environmentDataDir !== "") {
    const dir = await userFolder(options.environmentDataDir, "EASY_ADAPT_DATA");
    options.onEvent?.({ type: "demo-data-found", dir, source: "environment" });
    return dir;
  }
  const shared = options.sharedDir === undefined ? sharedDatasetsDir() : options.sharedDir;
  if (shared !== null && shared !== undefined) {
    const dir = join(shared, demoDatasetName);
    if ((await problemWith(dir)) === undefined) {
      options.onEvent?.({ type: "demo-data-found", dir, source: "shared" });
      return dir;
    }
  }
  const cached = join(options.cacheDir, demoDatasetName);
  if ((await problemWith(cached)) === undefined) {
    options.onEvent?.({ type: "demo-data-found", dir: cached, source: "cache" });
    return cached;
  }
  await downloadAndConvert(cached, options);
  return cached;
}
