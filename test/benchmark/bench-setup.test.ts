import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadBenchDataset } from "../../src/benchmark/bench-dataset.js";
import { openBenchSetup } from "../../src/benchmark/bench-setup.js";
import type { SentenceEncoder } from "../../src/text-encoders/sentence-encoder.js";
import { topicsDir } from "../fixtures/adapt/load-fixture.js";
import { runCli } from "../support/run-cli.js";

/** A stand-in sentence encoder that counts how often it is closed. */
function countingEncoder(): SentenceEncoder & { closes: number } {
  const encoder = {
    id: "counting",
    dimensions: 4,
    closes: 0,
    encode: async (texts: readonly string[]) => new Float32Array(texts.length * 4).fill(0.5),
    close: async () => {
      encoder.closes += 1;
    },
  };
  return encoder;
}

describe("bench's setup", () => {
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), "bench-setup-"));
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it("closes its sentence encoder once without an embedding cache", async () => {
    const dataset = await loadBenchDataset(topicsDir, "llm");
    const encoder = countingEncoder();
    const setup = await openBenchSetup(dataset, {
      llmColumn: "llm",
      encoder: "use-lite",
      createEncoder: async () => encoder,
    });
    expect(setup.encoders?.training).toBe(encoder);
    await setup.close();
    expect(encoder.closes).toBe(1);
  });

  it("closes its sentence encoder once and the embedding cache file with one", async () => {
    const dataset = await loadBenchDataset(topicsDir, "llm");
    const encoder = countingEncoder();
    const cacheFile = join(folder, "embeddings.sqlite");
    const setup = await openBenchSetup(dataset, {
      llmColumn: "llm",
      encoder: "use-lite",
      embeddingCacheFile: cacheFile,
      createEncoder: async () => encoder,
    });
    await setup.encoders?.training.encode(["a text"]);
    expect(existsSync(`${cacheFile}-wal`)).toBe(true);
    await setup.close();
    expect(encoder.closes).toBe(1);
    // SQLite removes the write-ahead log when the last connection closes.
    expect(existsSync(`${cacheFile}-wal`)).toBe(false);
  });

  it("closes the encoder it created when the embedding cache cannot be opened", async () => {
    const dataset = await loadBenchDataset(topicsDir, "llm");
    const encoder = countingEncoder();
    await writeFile(join(folder, "a-file"), "");
    await expect(
      openBenchSetup(dataset, {
        llmColumn: "llm",
        encoder: "use-lite",
        embeddingCacheFile: join(folder, "a-file", "embeddings.sqlite"),
        createEncoder: async () => encoder,
      }),
    ).rejects.toThrow(/cannot open the embedding cache/);
    expect(encoder.closes).toBe(1);
  });

  it("a setup that fails after the replay server started does not keep bench running", async () => {
    await writeFile(join(folder, "a-file"), "");
    const result = await runCli(
      [
        "bench",
        topicsDir,
        "--llm-column",
        "llm",
        "--encoder",
        "use-lite",
        "--encoder-workers",
        "1",
        "--embedding-cache",
        join(folder, "a-file", "embeddings.sqlite"),
      ],
      { timeoutMs: 45_000 },
    );
    // Killed by the timeout, the status would be null: the replay server kept the process alive.
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("cannot open the embedding cache");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
