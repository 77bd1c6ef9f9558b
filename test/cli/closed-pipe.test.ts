import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { topicsDir } from "../fixtures/adapt/load-fixture.js";
import { tsxLoaderUrl } from "../support/run-cli.js";

const cliSource = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

/**
 * Runs the CLI with the read end of its stdout (or stderr) pipe closed at once, as `| head -1`
 * does once it has its line: every write to that stream then fails with EPIPE.
 */
function runWithClosedPipe(
  args: string[],
  closed: "stdout" | "stderr",
): Promise<{ status: number | null; signal: NodeJS.Signals | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", tsxLoaderUrl, cliSource, ...args], {
      env: { ...process.env, FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const open = closed === "stdout" ? child.stderr : child.stdout;
    child[closed].destroy();
    let output = "";
    open.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, output });
    });
  });
}

describe("writing to a closed pipe", () => {
  it("`adapt --help` with stdout closed exits 0 without a stack trace", async () => {
    const result = await runWithClosedPipe(["adapt", "--help"], "stdout");
    expect(result.output).not.toContain("EPIPE");
    expect(result.output).not.toContain("    at ");
    expect(result.output).toBe("");
    expect(result.status).toBe(0);
  }, 60_000);

  it("`bench` with stdout closed ends quietly (no stack trace on stderr)", async () => {
    const result = await runWithClosedPipe(["bench", topicsDir, "--llm-column", "llm"], "stdout");
    expect(result.output).not.toContain("EPIPE");
    expect(result.output).not.toContain("    at ");
    expect(result.status).toBe(0);
  }, 60_000);

  it("a usage error with stderr closed keeps its exit code 2 and prints nothing on stdout", async () => {
    const result = await runWithClosedPipe(["adapt", "--no-such-flag"], "stderr");
    expect(result.output).toBe("");
    expect(result.status).toBe(2);
  }, 60_000);
});
