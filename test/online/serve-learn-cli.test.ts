import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ReplayServer, startReplayServer } from "../../src/replay/replay-server.js";
import { startServeProcess } from "../fixtures/serve/serve-process.js";
import { readTicketRows, ticketsAdapterFolder } from "../fixtures/serve/tickets-adapter.js";
import { runCli } from "../support/run-cli.js";

const rows = ["train.csv", "dev.csv", "test.csv"].flatMap((file) => readTicketRows(file as "train.csv"));

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function servedId(url: string): Promise<string> {
  return ((await (await fetch(`${url}/healthz`)).json()) as { adapter_id: string }).adapter_id;
}

/** `serve --learn-every` over the real CLI: the refresh runs beside serving and swaps the adapter in. */
describe("serve --learn-every", () => {
  let directory: string;
  let served: string;
  let replay: ReplayServer;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "serve-learn-"));
    served = join(directory, "tickets");
    await cp(await ticketsAdapterFolder(), served, { recursive: true });
    replay = await startReplayServer({ answers: rows.map((row) => ({ text: row.text, answer: row.llm })) });
  }, 120_000);
  afterAll(async () => {
    await replay?.close();
    await rm(directory, { recursive: true, force: true });
  });

  it("refreshes from the LLM's answers into a folder beside the served one and serves the result, with no failed request", async () => {
    const manifest = await readFile(join(served, "manifest.json"), "utf8");
    const serve = await startServeProcess([
      "--adapter",
      served,
      "--lm-base-url",
      replay.url,
      "--lm-model",
      "replay",
      "--learn-every",
      "20",
    ]);
    const first = await servedId(serve.url);
    const failures: string[] = [];
    try {
      let index = 0;
      await waitFor(async () => {
        const row = rows[index++ % rows.length]!;
        const response = await fetch(`${serve.url}/v1/classify`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ inputs: [row.text] }),
        });
        if (response.status !== 200) failures.push(`${response.status} ${await response.text()}`);
        return (await servedId(serve.url)) !== first;
      });
    } finally {
      expect(await serve.stop()).toBe(0);
    }
    expect(failures).toEqual([]);
    expect(serve.stderr()).toMatch(/model "tickets": refreshed from \d+ new answers/);
    expect(serve.stderr()).not.toContain("REFRESH FAILED");
    expect(await readFile(join(served, "manifest.json"), "utf8")).toBe(manifest);
    expect(await readdir(join(directory, "tickets.learned"))).toContain("refresh-0001");
  }, 60_000);

  it("refuses --learn-dir and --training-threads without --learn-every", async () => {
    await expect(startServeProcess(["--adapter", served, "--learn-dir", directory])).rejects.toThrow(
      /--learn-dir, --max-disagreement and --training-threads need --learn-every/,
    );
    await expect(startServeProcess(["--adapter", served, "--training-threads", "1"])).rejects.toThrow(
      /--learn-dir, --max-disagreement and --training-threads need --learn-every/,
    );
  });

  it("refuses a --learn-dir that is a file in one line, with the usage exit code", async () => {
    const file = join(directory, "afile");
    await writeFile(file, "not a folder\n");
    const result = await runCli([
      ...["serve", "--port", "0", "--no-cache", "--adapter", served],
      ...["--lm-base-url", replay.url, "--lm-model", "replay", "--learn-every", "auto", "--learn-dir", file],
    ]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      `easy-adapt: --learn-dir ${file} is a file, not a folder: name a folder (it is made when missing)\n`,
    );
  });

  it("refuses --learn-every and --audit-share without an LLM, saying which flag to add", async () => {
    for (const [flag, value, purpose] of [
      ["--learn-every", "20", "learn from"],
      ["--audit-share", "0.1", "audit with"],
    ]) {
      const result = await runCli(
        ["serve", "--port", "0", "--no-cache", "--adapter", served, flag!, value!],
        {
          timeoutMs: 15_000,
        },
      );
      expect(result.status).toBe(2);
      expect(result.stderr).toBe(
        `easy-adapt: ${flag} needs an LLM to ${purpose}, and none is set: add --lm-base-url URL and/or --lm-model NAME (the one not given defaults to the adapter's)\n`,
      );
    }
  });
});
