import { type ChildProcessByStdio, spawn } from "node:child_process";
import type { Readable } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";

const cliSource = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
/** tsx's loader by absolute URL, so that the CLI also starts from a working directory outside the repo. */
export const tsxLoaderUrl = pathToFileURL(
  fileURLToPath(new URL("../../node_modules/tsx/dist/loader.mjs", import.meta.url)),
).href;

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** How the CLI child process runs: its folder and extra environment variables. */
export interface CliOptions {
  cwd?: string;
  /** Added to (and overriding) the test's own environment. */
  env?: NodeJS.ProcessEnv;
}

/** Starts the CLI from source (through tsx) in a child process, for tests that signal or kill it. */
export function startCli(
  args: string[],
  options: CliOptions = {},
): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(process.execPath, ["--import", tsxLoaderUrl, cliSource, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env, FORCE_COLOR: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Runs the CLI from source (through tsx) in a child process, as a user would run it. */
export function runCli(
  args: string[],
  options: CliOptions & { timeoutMs?: number } = {},
): Promise<CliResult> {
  return collectOutput(startCli(args, options), options.timeoutMs ?? 120_000);
}

/**
 * Runs a TypeScript script (a benchmark's entry) from source through tsx in a child process, with
 * `nodeArguments` before the loader; its stdout, stderr and exit code (killed after `timeoutMs`).
 */
export function runSourceScript(
  script: string,
  args: string[],
  options: { nodeArguments?: string[]; timeoutMs: number },
): Promise<CliResult> {
  const child = spawn(
    process.execPath,
    [...(options.nodeArguments ?? []), "--import", tsxLoaderUrl, script, ...args],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  return collectOutput(child, options.timeoutMs);
}

/** The child's whole stdout and stderr and its exit code; SIGKILL after `timeoutMs`. */
function collectOutput(
  child: ChildProcessByStdio<null, Readable, Readable>,
  timeoutMs: number,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
