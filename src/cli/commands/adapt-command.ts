import type { Command } from "commander";

export function registerAdaptCommand(program: Command): void {
  program.command("adapt").description("(not built yet)");
}
