import { type ChildProcess, fork, spawn } from "node:child_process";
import { join } from "node:path";
import type { LoadGeneratorResult, LoadGeneratorSettings } from "../load-generator.js";

/** How to start one of the bench's entry points in a child: its file and node's own arguments. */
export interface ChildEntry {
  /** The script's path (the CLI's main, the load generator, the forwarder). */
  main: string;
  /** node's arguments before the script (`--import tsx` when running from source). */
  nodeArguments: string[];
}

/** `easy-adapt serve`, running in a child process. */
export interface ServeChild {
  url: string;
  pid: number;
  /** SIGTERM, then its exit code. */
  stop(): Promise<number | null>;
  kill(): void;
}

/** A helper server running in a child process. */
export interface ChildService {
  url: string;
  kill(): void;
}

/** `easy-adapt serve` on the adapter, with the replay server as its LM and every answer logged. */
export async function startServeChild(
  cli: ChildEntry,
  settings: { adapterDir: string; lmBaseUrl: string; decisionLogPath: string },
): Promise<ServeChild> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...cli.nodeArguments,
      cli.main,
      "serve",
      "--adapter",
      settings.adapterDir,
      "--lm-base-url",
      settings.lmBaseUrl,
      "--lm-model",
      "gpt4",
      "--no-cache",
      "--max-retries",
      "0",
      "--concurrency",
      "64",
      "--port",
      "0",
      // Serving as deployed: every answer goes to the decision log.
      "--log",
      settings.decisionLogPath,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await listeningUrl(child, "serve");
  return {
    url,
    pid: child.pid ?? 0,
    stop: () => {
      child.kill("SIGTERM");
      return exited;
    },
    kill: () => {
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}

/** The URL a child CLI server prints in its "listening on http://…" line (rejects if it exits first). */
function listeningUrl(child: ChildProcess, name: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let output = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`${name} exited with ${code} before listening`)));
  });
}

/** `easy-adapt replay-server` with banking77's recorded gpt4 answers and the upstream latency, in a child process. */
export async function startReplayChild(
  cli: ChildEntry,
  settings: { datasetDir: string; upstreamLatencyMs: number },
): Promise<ChildService> {
  const child = spawn(
    process.execPath,
    [
      ...cli.nodeArguments,
      cli.main,
      "replay-server",
      "--answers",
      join(settings.datasetDir, "dev.csv"),
      join(settings.datasetDir, "test.csv"),
      "--answer-column",
      "gpt4",
      "--model",
      "gpt4",
      "--latency-ms",
      String(settings.upstreamLatencyMs),
      "--port",
      "0",
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const url = await listeningUrl(child, "replay-server");
  return {
    url,
    kill: () => {
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}

/** A do-nothing forwarder to the upstream (bare node:http or Hono), forked from pass-through-proxy. */
export function startPassThroughProxy(
  proxy: ChildEntry,
  upstreamOrigin: string,
  framework: "node-http" | "hono",
): Promise<ChildService> {
  return new Promise((resolve, reject) => {
    const child = fork(proxy.main, [], {
      execArgv: proxy.nodeArguments,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    child.once("message", (url) =>
      resolve({
        url: String(url),
        kill: () => {
          if (child.exitCode === null) child.kill("SIGKILL");
        },
      }),
    );
    child.once("exit", (code) => reject(new Error(`the pass-through proxy exited with ${code}`)));
    child.send({ upstreamOrigin, framework });
  });
}

/** One autocannon run in a forked load generator, which answers with its summary. */
export function runLoad(
  loadGenerator: ChildEntry,
  settings: LoadGeneratorSettings,
): Promise<LoadGeneratorResult> {
  return new Promise((resolve, reject) => {
    const child = fork(loadGenerator.main, [], {
      execArgv: loadGenerator.nodeArguments,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    child.once("message", (message) => resolve(message as LoadGeneratorResult));
    child.once("exit", (code) => {
      if (code !== 0) reject(new Error(`load generator exited with ${code}`));
    });
    child.send(settings);
  });
}
