import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { largeModelFromOptions } from "../../src/cli/lm-options.js";
import { probeLimitsFromOptions } from "../../src/cli/probe-options.js";
import { loadRecordedAnswers, type RecordedAnswer } from "../../src/data/recorded-answers.js";
import { loadTask } from "../../src/data/task-file.js";
import { probe } from "../../src/probe/probe.js";
import { type ReplayServer, startReplayServer } from "../../src/replay/replay-server.js";
import type { Task } from "../../src/spec/task.js";
import { datasetsDir } from "../support/datasets.js";

describe.skipIf(datasetsDir === undefined)(
  "probing banking77 dev through the replay server (needs ../shared/datasets)",
  () => {
    let folder: string;
    let task: Task;
    let recorded: RecordedAnswer[];
    let server: ReplayServer;
    let faultyServer: ReplayServer;

    beforeAll(async () => {
      folder = mkdtempSync(join(tmpdir(), "replay-banking77-"));
      const labels = readFileSync(join(datasetsDir!, "banking77", "labels.txt"), "utf8")
        .split("\n")
        .filter(Boolean);
      writeFileSync(join(folder, "task.json"), JSON.stringify({ name: "banking77", labels }));
      task = await loadTask(join(folder, "task.json"));
      recorded = await loadRecordedAnswers([join(datasetsDir!, "banking77", "dev.csv")], "gpt4");
      server = await startReplayServer({ answers: recorded, model: "gpt4" });
      faultyServer = await startReplayServer({ answers: recorded, model: "gpt4", errorRate: 0.2, seed: 3 });
    });
    afterAll(async () => {
      await server?.close();
      await faultyServer?.close();
      rmSync(folder, { recursive: true, force: true });
    });

    const options = (url: string, cache: string | false) => ({
      lmBaseUrl: url,
      lmModel: "gpt4",
      concurrency: "8",
      retryBaseDelayMs: "1",
      cache,
    });

    it("returns exactly the recorded gpt4 answers, then answers a rerun from the cache with 0 HTTP calls", async () => {
      expect(recorded).toHaveLength(1001);
      const texts = recorded.map((row) => row.text);
      const cacheFile = join(folder, "cache.sqlite");

      const first = largeModelFromOptions(options(server.url, cacheFile), {});
      const result = await probe(texts, task, first.model, { concurrency: 8 });
      expect(first.stats().httpCalls).toBe(1001);
      first.close();
      let matching = 0;
      result.rows.forEach((row, index) => {
        const expected = recorded[index]!.answer;
        if (expected === "") {
          if (row.status === "unparseable" && row.label === undefined) matching++;
        } else if (row.status === "answered" && row.label === expected && !row.cached) matching++;
      });
      expect(matching).toBe(1001);
      expect(result.stats).toMatchObject({ rows: 1001, failed: 0, cacheHits: 0 });

      const second = largeModelFromOptions(options(server.url, cacheFile), {});
      const again = await probe(texts, task, second.model, { concurrency: 8 });
      expect(second.stats().httpCalls).toBe(0);
      expect(again.stats.cacheHits).toBe(1001);
      expect(again.rows.map((row) => row.label)).toEqual(result.rows.map((row) => row.label));
      expect(again.rows.every((row) => row.cached)).toBe(true);
      second.close();
    });

    it("completes all 1,001 rows against a server failing 20% of requests, with the answers of a fault-free probe", async () => {
      const texts = recorded.map((row) => row.text);
      const clean = largeModelFromOptions(options(server.url, false), {});
      const faultFree = await probe(texts, task, clean.model, { concurrency: 8 });
      clean.close();
      // The default retries (3): without the second chance, a few rows fail on every fourth attempt.
      const setup = largeModelFromOptions(options(faultyServer.url, false), {});
      const limits = probeLimitsFromOptions({}, setup.settings);
      const result = await probe(texts, task, setup.model, { concurrency: 8, ...limits });
      expect(result.stats).toMatchObject({ rows: 1001, failed: 0 });
      expect(result.rows).toEqual(faultFree.rows);
      const stats = setup.stats();
      expect(stats.retries).toBeGreaterThan(100);
      setup.close();
    });
  },
);
