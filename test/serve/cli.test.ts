import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { loadAdapter } from "../../src/adapter/load-adapter.js";
import { type ReplayServer, startReplayServer } from "../../src/replay/replay-server.js";
import { startServeProcess } from "../fixtures/serve/serve-process.js";
import { readTicketRows, ticketsAdapterFolder } from "../fixtures/serve/tickets-adapter.js";
import { runCli } from "../support/run-cli.js";

describe("easy-adapt serve (CLI)", () => {
  let replay: ReplayServer;
  let adapterDir: string;
  let directory: string;

  beforeAll(async () => {
    replay = await startReplayServer({
      answers: readTicketRows("test.csv").map((row) => ({ text: row.text, answer: row.llm })),
    });
    adapterDir = await ticketsAdapterFolder();
    directory = await mkdtemp(join(tmpdir(), "serve-cli-"));
  });
  afterAll(async () => {
    await replay?.close();
    await rm(directory, { recursive: true, force: true });
  });

  it("serves until SIGTERM, then drains, flushes the decision log and exits 0", async () => {
    const logPath = join(directory, "decisions.jsonl");
    const serve = await startServeProcess(
      [
        "--adapter",
        adapterDir,
        // --lm-model defaults to the model the adapter was calibrated against ("replay").
        "--lm-base-url",
        replay.url,
        "--log",
        logPath,
        "--api-key-env",
        "SERVE_TEST_KEY",
        "--max-input-chars",
        "300",
        "--max-lm-calls-per-request",
        "1",
      ],
      { env: { SERVE_TEST_KEY: "cli-key" } },
    );
    const url = serve.url;
    const adapter = await loadAdapter(adapterDir);
    const rows = readTicketRows("test.csv");
    const [routed, otherRouted] = rows.filter((row) => adapter.decide(row.text).useLm && row.llm !== "");
    const local = rows.filter((row) => !adapter.decide(row.text).useLm);
    const texts = [local[0]!.text, local[1]!.text, routed!.text];
    const response = await fetch(`${url}/v1/classify`, {
      method: "POST",
      headers: { authorization: "Bearer cli-key", "content-type": "application/json" },
      body: JSON.stringify({ inputs: texts }),
    });
    expect(response.status).toBe(200);
    const body = z.object({ results: z.array(z.object({ route: z.string() })) }).parse(await response.json());
    // The LM flags reached the adapter: the routed input was answered after an LM call, not by a fallback.
    expect(body.results[2]?.route).not.toBe("fallback");
    // --max-lm-calls-per-request 1: the second routed input of a batch is answered locally.
    const capped = await fetch(`${url}/v1/classify`, {
      method: "POST",
      headers: { authorization: "Bearer cli-key", "content-type": "application/json" },
      body: JSON.stringify({ inputs: [routed!.text, otherRouted!.text] }),
    });
    expect((await capped.json()) as unknown).toMatchObject({ results: [{}, { route: "fallback" }] });
    // --max-input-chars 300.
    const tooLong = await fetch(`${url}/v1/classify`, {
      method: "POST",
      headers: { authorization: "Bearer cli-key", "content-type": "application/json" },
      body: JSON.stringify({ inputs: ["x".repeat(301)] }),
    });
    expect(tooLong.status).toBe(400);
    expect(await serve.stop()).toBe(0);
    expect(serve.stderr()).toMatch(/stopped/);
    const lines = (await readFile(logPath, "utf8")).trim().split("\n");
    expect(lines).toHaveLength(5);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ endpoint: "classify" });
  });

  it("refuses a --max-lm-calls-per-request or --max-input-chars below 1 as a usage error", async () => {
    for (const flag of ["--max-lm-calls-per-request", "--max-input-chars"]) {
      const result = await runCli(["serve", "--adapter", adapterDir, flag, "0"]);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain(`${flag} must be at least 1`);
    }
  });

  it("refuses an unset --api-key-env variable as a usage error", async () => {
    const result = await runCli(
      ["serve", "--adapter", adapterDir, "--lm-model", "replay", "--api-key-env", "SERVE_TEST_UNSET_KEY"],
      { env: { SERVE_TEST_UNSET_KEY: "" } },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/SERVE_TEST_UNSET_KEY/);
  });

  it("refuses a port in use with one plain line and exit 1", async () => {
    const occupier = createServer();
    const port = await new Promise<number>((resolve) => {
      occupier.listen(0, "127.0.0.1", () => {
        const address = occupier.address();
        resolve(typeof address === "object" && address !== null ? address.port : 0);
      });
    });
    try {
      const result = await runCli(["serve", "--adapter", adapterDir, "--port", String(port)], {
        timeoutMs: 60_000,
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(
        `easy-adapt: port ${port} on 127.0.0.1 is already in use: choose another with --port (or --port 0 for a free one)\n`,
      );
      expect(result.stderr).not.toMatch(/unexpected error|\n\s+at /);
      expect(result.stdout).not.toMatch(/listening/);
    } finally {
      await new Promise((resolve) => occupier.close(resolve));
    }
  });

  it("refuses a host it cannot listen on with one plain line and exit 1", async () => {
    const result = await runCli(["serve", "--adapter", adapterDir, "--host", "999.1.1.1", "--port", "0"], {
      timeoutMs: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^easy-adapt: cannot listen on host 999\.1\.1\.1: E[A-Z_]+ /m);
    expect(result.stderr).not.toMatch(/unexpected error|\n\s+at /);
  });

  it("refuses a --log it cannot open for appending before listening, with exit 1", async () => {
    const logPath = join(directory, "missing-folder", "decisions.jsonl");
    const result = await runCli(["serve", "--adapter", adapterDir, "--port", "0", "--log", logPath], {
      timeoutMs: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `easy-adapt: cannot open the decision log ${logPath} for appending: the folder ${join(directory, "missing-folder")} does not exist (ENOENT)\n`,
    );
    expect(result.stderr).not.toMatch(/unexpected error|\n\s+at /);
    expect(result.stdout).not.toMatch(/listening/);
  });

  it("refuses a folder that is not an adapter with a plain message and exit 1", async () => {
    const result = await runCli(["serve", "--adapter", directory, "--lm-model", "replay", "--no-cache"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^easy-adapt: /);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
