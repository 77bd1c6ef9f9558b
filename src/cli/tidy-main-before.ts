#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { registerAdaptCommand } from "./commands/adapt-command.js";
import { registerBenchAllCommand } from "./commands/bench-all-command.js";
import { registerBenchCommand } from "./commands/bench-command.js";
import { registerDemoCommand } from "./commands/demo-command.js";
import { registerEvalCommand } from "./commands/eval-command.js";
import { registerPredictCommand } from "./commands/predict-command.js";
import { registerProbeCommand } from "./commands/probe-command.js";
import { registerReplayServerCommand } from "./commands/replay-server-command.js";
import { registerServeCommand } from "./commands/serve-command.js";
import { registerSsmCommand } from "./commands/ssm-command.js";
import { packageVersion } from "./package-version.js";

export function createProgram(): Command {
  const program = new Command()
    .name("easy-adapt")
    .description("Adapt an API-only LLM to one task with small local models and a router.")
    .version(packageVersion())
    .showHelpAfterError()
    .exitOverride();
  registerDemoCommand(program);
  registerSsmCommand(program);
  registerProbeCommand(program);
  registerReplayServerCommand(program);
  registerAdaptCommand(program);
  registerPredictCommand(program);
  registerEvalCommand(program);
  registerBenchCommand(program);
  registerBenchAllCommand(program);
  registerServeCommand(program);
  return program;
}

async function main(): Promise<void> {
  try {
    await createProgram().parseAsync(process.argv);
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
