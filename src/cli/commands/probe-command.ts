import type { Command } from "commander";

export function registerProbeCommand(program: Command): void {
  program.command("probe").description("(not built yet)");
}
