import type { Command } from "commander";

export function registerSsmCommand(program: Command): void {
  program.command("ssm").description("(not built yet)");
}
