import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCli, startCli } from "../support/run-cli.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const fixture = join(repoRoot, "test", "fixtures", "lm", "colours.csv");

describe("easy-adapt replay-server", () => {
  it("prints its address, answers OpenAI-style requests, and stops cleanly on SIGTERM", async () => {
    const child = startCli(
      ["replay-server", "--answers", fixture, "--answer-column", "model_a", "--port", "0"],
      { cwd: repoRoot },
    );
    let stdout = "";
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        stdout += chunk;
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(stdout);
        if (match) resolve(match[1]!);
      });
      child.on("close", () => reject(new Error(`exited early: ${stderr}`)));
    });
    expect(stdout).toContain("40 recorded answers");

    const models = await fetch(`${url}/models`);
    expect(((await models.json()) as { data: Array<{ id: string }> }).data[0]!.id).toBe("model_a");
    const response = await fetch(`${url}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "model_a", messages: [{ role: "user", content: "sample text 4" }] }),
    });
    expect(
      ((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message
        .content,
    ).toBe("green");

    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(stdout).toContain("replay server stopped");
  });

  it("exits 2 when --answer-column is missing, and 1 naming the file when the column is absent", async () => {
    const missing = await runCli(["replay-server", "--answers", fixture]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("--answer-column");
    const absent = await runCli([
      "replay-server",
      "--answers",
      fixture,
      "--answer-column",
      "gpt9",
      "--error-rate",
      "0.1",
    ]);
    expect(absent.status).toBe(1);
    expect(absent.stderr).toContain("colours.csv");
    expect(absent.stderr).toContain('"gpt9"');
  });
});
