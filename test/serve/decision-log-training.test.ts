import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { adapterIdOf } from "../../src/adapter/adapter-artifact.js";
import { createOpenAICompatibleModel } from "../../src/large-models/openai-compatible-model.js";
import { startServe } from "../../src/serve/start-serve.js";
import type { Adapter } from "../../src/spec/adapter.js";
import { type ScriptedUpstream, startScriptedUpstream } from "../fixtures/serve/scripted-upstream.js";
import { chatBody } from "../fixtures/serve/serve-fixture.js";
import { startServeProcess } from "../fixtures/serve/serve-process.js";
import {
  loadTicketsAdapter,
  readTicketRows,
  ticketsAdapterFolder,
} from "../fixtures/serve/tickets-adapter.js";
import { runCli } from "../support/run-cli.js";

const lineSchema = z.object({
  adapter: z.string(),
  adapterId: z.string(),
  task: z.string(),
  inputSha256: z.string(),
  input: z.string().optional(),
  route: z.string(),
  lmAnswer: z.string().optional(),
});

/** The decision log's lines in `path`, each parsed (a split or partial line fails the parse). */
async function readLines(path: string): Promise<z.infer<typeof lineSchema>[]> {
  const text = await readFile(path, "utf8");
  expect(text.endsWith("\n")).toBe(true);
  return text
    .trimEnd()
    .split("\n")
    .map((line) => lineSchema.parse(JSON.parse(line)));
}

async function chat(url: string, text: string): Promise<void> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: chatBody("tickets", text),
  });
  expect(response.status).toBe(200);
  await response.arrayBuffer();
}

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The decision log as training data: inputs on demand, the adapter's id and task, rotation, SIGHUP. */
describe("serve --log as training data", () => {
  let folder: string;
  let upstream: ScriptedUpstream;
  let adapter: Adapter;
  let directory: string;
  let texts: string[];
  let expectedId: string;

  beforeAll(async () => {
    folder = await ticketsAdapterFolder();
    expectedId = adapterIdOf(await readFile(join(folder, "manifest.json")));
    upstream = await startScriptedUpstream();
    adapter = await loadTicketsAdapter(
      folder,
      createOpenAICompatibleModel({ baseUrl: upstream.baseUrl, model: "scripted", timeoutMs: 10_000 }),
    );
    upstream.behaviour = { kind: "answer", content: adapter.task.labels[0]! };
    texts = readTicketRows("test.csv").map((row) => row.text);
    directory = await mkdtemp(join(tmpdir(), "serve-log-training-"));
  }, 120_000);
  afterAll(async () => {
    await upstream?.close();
    await rm(directory, { recursive: true, force: true });
  });

  /** Serves `sent` one request at a time with a log rotated at `maxBytes`, flushed after each; its path. */
  async function logOf(sent: readonly string[], maxBytes: number): Promise<string> {
    const path = join(directory, `rotated-${maxBytes}.jsonl`);
    const serve = await startServe({ adapter, logPath: path, logInputs: true, logMaxBytes: maxBytes });
    try {
      for (const text of sent) {
        await chat(serve.url, text);
        await serve.decisionLog.flush();
      }
    } finally {
      await serve.close();
    }
    return path;
  }

  it("writes each input's text only with logInputs; every line names the adapter's id and task", async () => {
    expect(adapter.id).toBe(expectedId);
    for (const logInputs of [false, true]) {
      const path = join(directory, `inputs-${logInputs}.jsonl`);
      const serve = await startServe({ adapter, logPath: path, logInputs });
      try {
        for (const text of texts.slice(0, 6)) await chat(serve.url, text);
      } finally {
        await serve.close();
      }
      const lines = await readLines(path);
      expect(lines).toHaveLength(6);
      for (const [index, line] of lines.entries()) {
        expect(line).toMatchObject({ adapter: "tickets", adapterId: expectedId, task: "tickets" });
        expect(line.input).toBe(logInputs ? texts[index] : undefined);
      }
      expect(lines.some((line) => line.route === "lm" && line.lmAnswer !== undefined)).toBe(true);
      // Without --log-inputs the text is nowhere in the file.
      if (!logInputs) expect(await readFile(path, "utf8")).not.toContain(texts[0]!);
    }
  });

  it("rotates the log by size: FILE.1, FILE.2, … and a new FILE, every line whole and none lost", async () => {
    const sent = texts.slice(0, 24);
    const path = await logOf(sent, 4000);
    // 24 lines of ~450 bytes, 4,000 bytes a file: a few rotations, fewer than the 5 files kept.
    const files = [5, 4, 3, 2, 1].map((index) => `${path}.${index}`).filter((file) => existsSync(file));
    expect(files.length).toBeGreaterThanOrEqual(2);
    const perFile = await Promise.all([...files, path].map(readLines));
    for (const lines of perFile) expect(lines.length).toBeGreaterThan(0);
    expect(perFile.flat().map((line) => line.input)).toEqual(sent);
  });

  it("keeps 5 rotated files: the oldest lines go, the rest stay whole and in order", async () => {
    const sent = texts.slice(0, 24);
    const path = await logOf(sent, 1500);
    const files = [5, 4, 3, 2, 1].map((index) => `${path}.${index}`);
    expect(files.every((file) => existsSync(file))).toBe(true);
    expect(existsSync(`${path}.6`)).toBe(false);
    const kept = (await Promise.all([...files, path].map(readLines))).flat().map((line) => line.input);
    expect(kept.length).toBeGreaterThanOrEqual(12);
    expect(kept).toEqual(sent.slice(sent.length - kept.length));
  });

  it("reopens the log on SIGHUP after logrotate renamed it (the real CLI)", async () => {
    const path = join(directory, "hup.jsonl");
    const serve = await startServeProcess([
      "--adapter",
      folder,
      "--lm-base-url",
      upstream.baseUrl,
      "--log",
      path,
      "--log-inputs",
    ]);
    try {
      await chat(serve.url, texts[0]!);
      await waitFor(() => existsSync(path) && readFileSyncSafe(path).includes("\n"));
      await rename(path, `${path}.old`);
      serve.signal("SIGHUP");
      // Let the signal land before the next request: its line must go to a new file at the path.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await chat(serve.url, texts[1]!);
      await waitFor(() => existsSync(path) && readFileSyncSafe(path).includes("\n"));
    } finally {
      expect(await serve.stop()).toBe(0);
    }
    expect((await readLines(`${path}.old`)).map((line) => line.input)).toEqual([texts[0]]);
    expect((await readLines(path)).map((line) => line.input)).toEqual([texts[1]]);
  });

  it("--log-inputs without --log is a usage error", async () => {
    const result = await runCli(["serve", "--adapter", folder, "--log-inputs", "--port", "0"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--log-inputs and --log-max-mb need --log FILE/);
  });
});

function readFileSyncSafe(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
