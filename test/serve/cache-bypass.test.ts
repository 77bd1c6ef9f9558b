import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createAnswerCache } from "../../src/large-models/answer-cache.js";
import { createCachedModel } from "../../src/large-models/cached-model.js";
import { createOpenAICompatibleModel } from "../../src/large-models/openai-compatible-model.js";
import { type ReplayServer, startReplayServer } from "../../src/replay/replay-server.js";
import { type ServeHandle, startServe } from "../../src/serve/start-serve.js";
import {
  loadTicketsAdapter,
  readTicketRows,
  ticketsAdapterFolder,
} from "../fixtures/serve/tickets-adapter.js";

describe("serve over an answer cache whose file is corrupt (onError: bypass)", () => {
  let folder: string;
  let replay: ReplayServer;
  let serve: ServeHandle;
  let cachePath: string;
  const warnings: Array<{ event: string; details?: Record<string, unknown> }> = [];

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), "serve-cache-bypass-"));
    cachePath = join(folder, "cache.sqlite");
    // A real cache with many answers, then its pages overwritten: it opens, but every read fails.
    const sound = createAnswerCache(cachePath);
    for (let index = 0; index < 3_000; index += 1) {
      sound.put("m", `k${index}`, {
        text: `answer ${index} ${"x".repeat(60)}`,
        usage: { promptTokens: 1, completionTokens: 1 },
      });
    }
    sound.close();
    const content = readFileSync(cachePath);
    content.fill(0x5a, 8_192);
    writeFileSync(cachePath, content);

    const rows = readTicketRows("test.csv");
    replay = await startReplayServer({ answers: rows.map((row) => ({ text: row.text, answer: row.llm })) });
    const logger = {
      info() {},
      warn: (event: string, details?: Record<string, unknown>) => warnings.push({ event, details }),
    };
    const cache = createAnswerCache(cachePath, { onError: "bypass", logger });
    const largeModel = createCachedModel(
      createOpenAICompatibleModel({ baseUrl: replay.url, model: "replay", timeoutMs: 5000 }),
      cache,
    );
    const adapter = await loadTicketsAdapter(await ticketsAdapterFolder(), largeModel);
    serve = await startServe({ adapter, logger });
  });
  afterAll(async () => {
    await serve?.close();
    await replay?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it("keeps answering LM-routed inputs through the LM, and says once which cache file it bypassed", async () => {
    const adapter = await loadTicketsAdapter(await ticketsAdapterFolder(), {
      id: "none",
      complete: () => Promise.reject(new Error("unused")),
    });
    const routed = readTicketRows("test.csv")
      .filter((row) => adapter.decide(row.text).useLm && row.llm !== "")
      .slice(0, 3);
    const response = await fetch(`${serve.url}/v1/classify`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ inputs: routed.map((row) => row.text) }),
    });
    expect(response.status).toBe(200);
    const body = z.object({ results: z.array(z.object({ route: z.string() })) }).parse(await response.json());
    expect(body.results.map((result) => result.route)).not.toContain("fallback");
    const bypassed = warnings.filter((warning) => warning.event === "answer-cache-bypassed");
    expect(bypassed).toHaveLength(1);
    expect(bypassed[0]?.details?.path).toBe(cachePath);
  });
});
