import type { Command } from "commander";

export function registerEvalCommand(program: Command): void {
  program.command("eval").description("(not built yet)");
}
