import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { largeModelFromOptions } from "../../src/cli/lm-options.js";
import { createAnswerCache } from "../../src/large-models/answer-cache.js";
import { createAnthropicModel } from "../../src/large-models/anthropic-model.js";
import { createCachedModel } from "../../src/large-models/cached-model.js";
import { buildClassificationRequest } from "../../src/large-models/classification-prompt.js";
import { LargeModelAbortedError } from "../../src/large-models/errors/index.js";
import { createOpenAICompatibleModel } from "../../src/large-models/openai-compatible-model.js";
import { createRetryingModel } from "../../src/large-models/retrying-model.js";
import { type ReplayServer, startReplayServer } from "../../src/replay/replay-server.js";
import type { LargeModel } from "../../src/spec/large-model.js";
import {
  anthropicMessageBody,
  type ScriptedServer,
  startScriptedServer,
} from "../support/scripted-server.js";

/** The shared contract every LargeModel implementation must meet (each against a real loopback server). */
const task = { name: "colours", labels: ["red", "green", "blue"] };
const answers = [
  { text: "the sky", answer: "blue" },
  { text: "grass", answer: "green" },
];

let folder: string;
let replay: ReplayServer;
let anthropic: ScriptedServer;
beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), "lm-contract-"));
  replay = await startReplayServer({ answers });
  anthropic = await startScriptedServer([], (request) => {
    const text: string = JSON.parse(request.body).messages.at(-1).content;
    return { status: 200, body: anthropicMessageBody(text === "grass" ? "green" : "blue") };
  });
});
afterAll(async () => {
  await replay.close();
  await anthropic.close();
  rmSync(folder, { recursive: true, force: true });
});

const implementations: Array<[string, () => LargeModel]> = [
  [
    "openai-compatible connector",
    () => createOpenAICompatibleModel({ baseUrl: replay.url, model: "replay" }),
  ],
  ["anthropic connector", () => createAnthropicModel({ baseUrl: anthropic.origin, model: "c", apiKey: "k" })],
  [
    "retrying model",
    () => createRetryingModel(createOpenAICompatibleModel({ baseUrl: replay.url, model: "r" })),
  ],
  [
    "cached model",
    () =>
      createCachedModel(
        createOpenAICompatibleModel({ baseUrl: replay.url, model: "replay" }),
        createAnswerCache(join(folder, `contract-${Math.random()}.sqlite`)),
      ),
  ],
  [
    "the full CLI stack (cache, budget, limit, retries)",
    () =>
      largeModelFromOptions(
        { lmBaseUrl: replay.url, lmModel: "replay", cache: join(folder, "stack.sqlite") },
        {},
      ).model,
  ],
];

describe.each(implementations)("LargeModel contract: %s", (_name, create) => {
  it("has an id naming provider and model", () => {
    expect(create().id).toMatch(/^[a-z-]+:.+/);
  });

  it("answers a classification request with text, token usage and cached: false the first time", async () => {
    const model = create();
    const completion = await model.complete(buildClassificationRequest(task, "grass"));
    expect(completion.text).toBe("green");
    expect(completion.usage.promptTokens).toBeGreaterThan(0);
    expect(completion.usage.completionTokens).toBeGreaterThanOrEqual(0);
    expect(typeof completion.cached).toBe("boolean");
  });

  it("rejects with LargeModelAbortedError when the signal is already aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    const model = create();
    await expect(
      model.complete(buildClassificationRequest(task, `the sky ${Math.random()}`), {
        signal: controller.signal,
      }),
    ).rejects.toBeInstanceOf(LargeModelAbortedError);
  });
});
