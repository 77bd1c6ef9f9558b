import type { Command } from "commander";

export function registerDemoCommand(program: Command): void {
  program.command("demo").description("(not built yet)");
}
