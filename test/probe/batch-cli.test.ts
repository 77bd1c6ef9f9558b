import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadRecordedAnswers, type RecordedAnswer } from "../../src/data/recorded-answers.js";
import { loadTask } from "../../src/data/task-file.js";
import { createClassificationPrompter } from "../../src/large-models/classification-prompt.js";
import { estimateRequestsCost } from "../../src/large-models/dry-run-estimate.js";
import { type ReplayServer, startReplayServer } from "../../src/replay/replay-server.js";
import { type CliOptions, runCli, startCli } from "../support/run-cli.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const fixtures = join(repoRoot, "test", "fixtures", "lm");
const dataFile = join(fixtures, "colours.csv");
const taskFile = join(fixtures, "task.json");

let folder: string;
let recorded: RecordedAnswer[];
const servers: ReplayServer[] = [];

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), "batch-cli-"));
  recorded = await loadRecordedAnswers([dataFile], "model_a");
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  rmSync(folder, { recursive: true, force: true });
});

async function replay(batchDelayMs: number): Promise<ReplayServer> {
  const server = await startReplayServer({ answers: recorded, model: "model_a", batchDelayMs });
  servers.push(server);
  return server;
}

const cliOptions: CliOptions = { cwd: repoRoot, env: { OPENAI_API_KEY: "" } };

function probeArgs(server: ReplayServer, name: string, ...rest: string[]): string[] {
  return [
    "probe",
    ...["--task", taskFile, "--data", dataFile, "--out", join(folder, `${name}.csv`)],
    ...["--cache", join(folder, `${name}.sqlite`), "--lm-base-url", server.url, "--lm-model", "model_a"],
    ...rest,
  ];
}

async function batchCount(server: ReplayServer): Promise<number> {
  const response = await fetch(`${server.url}/batches`);
  return ((await response.json()) as { data: unknown[] }).data.length;
}

describe("easy-adapt probe --batch", () => {
  it("writes the same answers file as the synchronous probe, with no synchronous call", async () => {
    const server = await replay(200);
    const sync = await runCli(probeArgs(server, "sync", "--json"), cliOptions);
    expect(sync.status).toBe(0);
    const batched = await runCli(
      probeArgs(server, "batched", "--batch", "--batch-poll-ms", "50", "--json"),
      cliOptions,
    );
    expect(batched.status).toBe(0);
    expect(JSON.parse(batched.stdout)).toMatchObject({
      rows: 40,
      httpCalls: 0,
      cacheHits: 40,
      batch: { submitted: 40, answered: 40, batchesSubmitted: 1 },
    });
    expect(batched.stderr).toMatch(/batch batch_replay_1 submitted: 40 requests/);
    expect(readFileSync(join(folder, "batched.csv"), "utf8")).toBe(
      readFileSync(join(folder, "sync.csv"), "utf8"),
    );
  });

  it("killed while polling, a rerun polls the same batch: no batch is submitted twice", async () => {
    const server = await replay(2_500);
    const args = probeArgs(server, "killed", "--batch", "--batch-poll-ms", "100", "--json");
    const child = startCli(args, cliOptions);
    await new Promise<void>((resolve, reject) => {
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
        stderr += chunk;
        if (stderr.includes("submitted: 40 requests")) {
          child.kill("SIGKILL");
          resolve();
        }
      });
      child.on("close", () => reject(new Error(`exited before submitting: ${stderr}`)));
    });
    expect(await batchCount(server)).toBe(1);
    const rerun = await runCli(args, cliOptions);
    expect(rerun.status).toBe(0);
    expect(rerun.stderr).toContain(
      "batch batch_replay_1 (submitted by an earlier run, 40 requests): polling it again",
    );
    expect(JSON.parse(rerun.stdout)).toMatchObject({ httpCalls: 0, batch: { resumed: 40, submitted: 0 } });
    expect(await batchCount(server)).toBe(1);
    const answers = readFileSync(join(folder, "killed.csv"), "utf8");
    expect(answers.split("\n").length).toBeGreaterThan(40);
  });

  it("--dry-run --batch estimates at the batch price; --batch without the cache is refused", async () => {
    const server = await replay(0);
    const prices = ["--price-input-per-mtok", "2", "--price-output-per-mtok", "8", "--json", "--dry-run"];
    const batch = await runCli(
      probeArgs(server, "dry", ...prices, "--batch", "--batch-discount", "0.5"),
      cliOptions,
    );
    const prompt = createClassificationPrompter(await loadTask(taskFile));
    const list = estimateRequestsCost(
      recorded.map((row) => prompt(row.text)),
      { modelId: "openai-compatible:model_a", prices: { inputPerMillion: 2, outputPerMillion: 8 } },
    );
    const listDollars = list.dollars!;
    expect(JSON.parse(batch.stdout)).toMatchObject({ calls: 40, batchDiscount: 0.5 });
    expect(JSON.parse(batch.stdout).dollars).toBeCloseTo(listDollars / 2, 10);
    const refused = await runCli(probeArgs(server, "nocache", "--batch", "--no-cache"), cliOptions);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain("--batch needs the answer cache");
    expect(await batchCount(server)).toBe(0);
  });
});
