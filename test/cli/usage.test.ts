import { describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.js";

describe("the easy-adapt CLI", () => {
  it("prints help listing every command", async () => {
    const result = await runCli(["--help"]);
    expect(result.status).toBe(0);
    for (const command of [
      "demo",
      "ssm",
      "probe",
      "replay-server",
      "adapt",
      "predict",
      "eval",
      "bench",
      "serve",
    ]) {
      expect(result.stdout).toContain(command);
    }
  });

  it("exits 2 on an unknown command", async () => {
    const result = await runCli(["no-such-command"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("unknown command");
  });
});
