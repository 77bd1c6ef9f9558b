import { type ChildProcess, spawn } from "node:child_process";
import type { ChildEntry } from "../serve-bench/child-processes.js";

/** A CLI server (serve or the replay server) running in a child process. */
export interface CliChild {
  url: string;
  pid: number;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** Its exit code and signal, once it exited. */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** SIGTERM, then its exit code. */
  stop(): Promise<number | null>;
  /** Sends a signal (SIGSTOP and SIGCONT make an upstream hang and come back). */
  signal(signal: NodeJS.Signals): void;
  /** SIGKILL if it still runs. */
  kill(): void;
}

/** What serve is started with in the soak (beyond the adapter and the upstream). */
export const soakServeFlags = [
  "--no-cache",
  "--concurrency",
  "16",
  "--max-retries",
  "1",
  "--lm-timeout-ms",
  "1000",
  "--request-timeout-ms",
  "3000",
  "--breaker-cooldown-ms",
  "1000",
  "--port",
  "0",
] as const;

/** `easy-adapt serve` on the adapter, the replay server as its LLM, every answer in the decision log. */
export function startSoakServe(
  cli: ChildEntry,
  settings: { adapterDir: string; lmBaseUrl: string; lmModel: string; decisionLogPath: string },
): Promise<CliChild> {
  // The inspector, on a free port of loopback, lets the soak force a full garbage collection in serve.
  return startCliChild(
    cli,
    "serve",
    ["--inspect=127.0.0.1:0"],
    [
      "serve",
      "--adapter",
      settings.adapterDir,
      "--lm-base-url",
      settings.lmBaseUrl,
      "--lm-model",
      settings.lmModel,
      ...soakServeFlags,
      "--log",
      settings.decisionLogPath,
    ],
  );
}

/** `easy-adapt replay-server` answering from the recorded column of the answer files, with a latency. */
export function startSoakReplay(
  cli: ChildEntry,
  settings: { answerFiles: readonly string[]; answerColumn: string; latencyMs: number },
): Promise<CliChild> {
  return startCliChild(
    cli,
    "replay-server",
    [],
    [
      "replay-server",
      "--answers",
      ...settings.answerFiles,
      "--answer-column",
      settings.answerColumn,
      "--latency-ms",
      String(settings.latencyMs),
      "--port",
      "0",
    ],
  );
}

/** Starts the CLI (node given `nodeArguments`) with `args` and resolves once it printed "listening on http://…" (rejects if it exits first); `name` names it in that error. */
export async function startCliChild(
  cli: ChildEntry,
  name: string,
  nodeArguments: string[],
  args: string[],
): Promise<CliChild> {
  const child: ChildProcess = spawn(
    process.execPath,
    [...nodeArguments, ...cli.nodeArguments, cli.main, ...args],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code, signal) => {
      exit = { code, signal };
      resolve(code);
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    let output = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.once("exit", (code) =>
      reject(new Error(`${name} exited with ${code} before listening: ${stderr}`)),
    );
  });
  return {
    url,
    pid: child.pid ?? 0,
    stderr: () => stderr,
    exit: () => exit,
    stop: () => {
      if (exit !== undefined) return Promise.resolve(exit.code);
      child.kill("SIGTERM");
      return exited;
    },
    signal: (signal) => {
      if (exit === undefined) child.kill(signal);
    },
    kill: () => {
      if (exit === undefined) child.kill("SIGKILL");
    },
  };
}
