import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { topicsDir } from "../fixtures/adapt/load-fixture.js";
import { runCli, startCli } from "../support/run-cli.js";

let directory: string;
let dataDir: string;

/** The topics fixture in the demo's format: a banking77/ folder whose recorded LLM column is `gpt4`, with labels.txt. */
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "easy-adapt-demo-"));
  dataDir = join(directory, "data");
  const banking = join(dataDir, "banking77");
  await mkdir(banking, { recursive: true });
  for (const file of ["train.csv", "dev.csv", "test.csv"]) {
    const source = await readFile(join(topicsDir, file), "utf8");
    await writeFile(join(banking, file), source.replace(/^text,label,llm/, "text,label,gpt4"));
  }
  const task = JSON.parse(await readFile(join(topicsDir, "task.json"), "utf8")) as { labels: string[] };
  await writeFile(join(banking, "labels.txt"), `${task.labels.join("\n")}\n`);
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** The words of one printed command line (plain words and single-quoted ones, as `shellWord` writes them). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const match of line.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)) {
    words.push(match[1] === undefined ? (match[2] ?? "") : match[1].replaceAll("'\\''", "'"));
  }
  return words;
}

describe("demo", () => {
  it("keeps its adapter in <out>/adapter and ends with predict, eval and serve commands that work as printed", async () => {
    const cwd = join(directory, "work");
    await mkdir(cwd);
    const demo = await runCli(["demo", "--data-dir", dataDir], { cwd });
    expect(demo.stderr).not.toContain("unexpected error");
    expect(demo.status).toBe(0);
    expect(existsSync(join(cwd, "easy-adapt-demo", "adapter", "manifest.json"))).toBe(true);
    expect(existsSync(join(cwd, "easy-adapt-demo", "report.html"))).toBe(true);
    expect(demo.stdout).toContain("adapter: easy-adapt-demo/adapter");

    const commands = demo.stdout
      .split("\n")
      .filter((line) => line.startsWith("  "))
      .map((line) => shellWords(line.trim()));
    const named = (name: string) => {
      const command = commands.find((words) => words.includes(name));
      expect(command, `no printed ${name} command in:\n${demo.stdout}`).toBeDefined();
      // The CLI's invocation (here the test's own, through tsx) comes before the command's name.
      return (command ?? []).slice((command ?? []).indexOf(name));
    };
    for (const name of ["replay-server", "predict", "eval", "serve"]) named(name);

    // The printed replay server plays the LLM at the URL the adapter recorded.
    const replay = startCli(named("replay-server"), { cwd });
    try {
      await new Promise<void>((resolve, reject) => {
        let stdout = "";
        replay.stdout.setEncoding("utf8").on("data", (chunk: string) => {
          stdout += chunk;
          if (stdout.includes("listening on")) resolve();
        });
        replay.on("close", () => reject(new Error("the printed replay-server command exited")));
      });
      const noKey = { cwd, env: { OPENAI_API_KEY: "" } };
      const predicted = await runCli([...named("predict"), "--json"], noKey);
      expect(predicted.status).toBe(0);
      expect(JSON.parse(predicted.stdout)).toMatchObject({ route: "lm" });
      const evaluated = await runCli([...named("eval"), "--json"], noKey);
      expect(evaluated.stderr).not.toContain("LM calls failed");
      expect(evaluated.status).toBe(0);
      expect(existsSync(join(cwd, "easy-adapt-demo", "eval", "report.html"))).toBe(true);
      expect(named("serve")).toContain("--adapter");
    } finally {
      replay.kill("SIGTERM");
    }
  }, 90_000);
});
