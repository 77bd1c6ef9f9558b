import type { Command } from "commander";

export function registerReplayServerCommand(program: Command): void {
  program.command("replay-server").description("(not built yet)");
}
