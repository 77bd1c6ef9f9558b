#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { exitQuietlyOnClosedPipe } from "./closed-pipe.js";
import { packageVersion } from "./package-version.js";

type RegisterCommand = (program: Command) => void;

/**
 * Every command, in the order `--help` lists them, each loaded only when needed: a run of one
 * command imports that command alone (not the HTTP server, SDKs or chart code of the others).
 */
const commandLoaders: ReadonlyArray<readonly [name: string, load: () => Promise<RegisterCommand>]> = [
  ["demo", async () => (await import("./commands/demo-command.js")).registerDemoCommand],
  ["ssm", async () => (await import("./commands/ssm-command.js")).registerSsmCommand],
  ["probe", async () => (await import("./commands/probe-command.js")).registerProbeCommand],
  [
    "replay-server",
    async () => (await import("./commands/replay-server-command.js")).registerReplayServerCommand,
  ],
  ["adapt", async () => (await import("./commands/adapt-command.js")).registerAdaptCommand],
  ["refresh", async () => (await import("./commands/refresh-command.js")).registerRefreshCommand],
  ["predict", async () => (await import("./commands/predict-command.js")).registerPredictCommand],
  ["eval", async () => (await import("./commands/eval-command.js")).registerEvalCommand],
  ["bench", async () => (await import("./commands/bench-command.js")).registerBenchCommand],
  ["bench-all", async () => (await import("./commands/bench-all-command.js")).registerBenchAllCommand],
  ["serve", async () => (await import("./commands/serve-command.js")).registerServeCommand],
  ["stream", async () => (await import("./commands/stream-command.js")).registerStreamCommand],
];

/**
 * The program with the command `commandName` alone when it names one, else with every command
 * (for `--help`, `help`, `--version` and unknown commands, whose messages list them all).
 */
export async function createProgram(commandName?: string): Promise<Command> {
  const program = new Command()
    .name("easy-adapt")
    .description("Adapt an API-only LLM to one task with small local models and a router.")
    .version(packageVersion())
    .showHelpAfterError()
    .exitOverride();
  const only = commandLoaders.filter(([name]) => name === commandName);
  const registers = await Promise.all((only.length > 0 ? only : commandLoaders).map(([, load]) => load()));
  for (const register of registers) register(program);
  return program;
}

async function main(): Promise<void> {
  exitQuietlyOnClosedPipe();
  try {
    const program = await createProgram(process.argv[2]);
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander already printed its message; usage errors exit 2, --help / --version exit 0.
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    throw error;
  }
}

await main();
