import { cp, mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AdaptResult, adapt } from "../../src/adapt/adapt.js";
import { loadAdapterArtifact } from "../../src/adapter/adapter-artifact.js";
import { createAdapterRuntime } from "../../src/adapter/adapter-runtime.js";
import { loadAdapter } from "../../src/adapter/load-adapter.js";
import { type LargeModelSetup, largeModelFromOptions } from "../../src/cli/lm-options.js";
import { loadRecordedAnswers } from "../../src/data/recorded-answers.js";
import { LargeModelAuthenticationError } from "../../src/large-models/errors/large-model-authentication-error.js";
import { createOpenAICompatibleModel } from "../../src/large-models/openai-compatible-model.js";
import { type ReplayServer, startReplayServer } from "../../src/replay/replay-server.js";
import { ArtifactError } from "../../src/spec/errors/artifact-error.js";
import { loadTopics, startTopicsReplayServer, topicsDir } from "../fixtures/adapt/load-fixture.js";

let directory: string;
let server: ReplayServer;
let setup: LargeModelSetup;
let result: AdaptResult;
let adapterDir: string;
let topics: Awaited<ReturnType<typeof loadTopics>>;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "easy-adapt-artifact-"));
  topics = await loadTopics();
  server = await startTopicsReplayServer();
  setup = largeModelFromOptions(
    { lmBaseUrl: server.url, lmModel: "llm", cache: join(directory, "cache.sqlite"), retryBaseDelayMs: "1" },
    {},
  );
  result = await adapt({
    task: topics.task,
    trainRows: topics.train,
    calibRows: topics.dev,
    largeModel: setup.model,
    probeTrain: true,
    criterion: { kind: "max-lm-share", maxLmShare: 0.3 },
  });
  adapterDir = join(directory, "adapter");
  await result.save(adapterDir);
});

afterAll(async () => {
  setup?.close();
  await server?.close();
  await rm(directory, { recursive: true, force: true });
});

async function copyAdapter(name: string): Promise<string> {
  const target = join(directory, name);
  await cp(adapterDir, target, { recursive: true });
  return target;
}

describe("the adapter artifact", () => {
  it("round-trips: the loaded adapter decides and predicts exactly like the one in memory", async () => {
    const loaded = await loadAdapter(adapterDir);
    expect(loaded.task).toEqual(topics.task);
    expect(loaded.lmId).toBe("openai-compatible:llm");
    for (const row of topics.test) {
      const before = result.adapter.decide(row.text);
      const after = loaded.decide(row.text);
      expect(after.ssmLabel).toBe(before.ssmLabel);
      expect(after.useLm).toBe(before.useLm);
      expect(after.ssmConfidence).toBeCloseTo(before.ssmConfidence, 5);
    }
    const manifest = JSON.parse(await readFile(join(adapterDir, "manifest.json"), "utf8"));
    expect(manifest.files.map((file: { path: string }) => file.path).sort()).toEqual([
      "adapter.json",
      "calibration.json",
      "ssm-1.bin",
      "training-rows.jsonl.gz",
    ]);
    const description = JSON.parse(await readFile(join(adapterDir, "adapter.json"), "utf8"));
    // The five fold models are kept as their average: one model, as fast as each of them.
    expect(description.ssmCount).toBe(1);
    expect(description.fingerprints.train).toMatch(/^[0-9a-f]{64}$/);
    expect(description.versions.easyAdapt).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("refuses an altered file (checksum mismatch)", async () => {
    const target = await copyAdapter("altered");
    const path = join(target, "adapter.json");
    const text = await readFile(path, "utf8");
    await writeFile(path, text.replace('"temperature": ', '"temperature": 1'));
    await expect(loadAdapter(target)).rejects.toThrow(ArtifactError);
    await expect(loadAdapter(target)).rejects.toThrow(/adapter\.json.*(checksum|truncated or altered)/);
  });

  it("refuses a truncated small model", async () => {
    const target = await copyAdapter("truncated");
    await truncate(join(target, "ssm-1.bin"), 100);
    await expect(loadAdapter(target)).rejects.toThrow(/ssm-1\.bin: truncated or altered/);
  });

  it("refuses a tampered adapter whose manifest was rewritten to match", async () => {
    const target = await copyAdapter("tampered");
    const path = join(target, "adapter.json");
    const description = JSON.parse(await readFile(path, "utf8"));
    description.ssmPrecision = [0.5];
    const content = Buffer.from(JSON.stringify(description));
    await writeFile(path, content);
    const manifestPath = join(target, "manifest.json");
    const manifest = JSON.parse(await readFile(manifestPath, "utf8"));
    const { createHash } = await import("node:crypto");
    for (const file of manifest.files) {
      if (file.path === "adapter.json") {
        file.bytes = content.length;
        file.sha256 = createHash("sha256").update(content).digest("hex");
      }
    }
    await writeFile(manifestPath, JSON.stringify(manifest));
    await expect(loadAdapter(target)).rejects.toThrow(/label statistics do not match/);
  });

  it("refuses another format version, a missing manifest and a missing file", async () => {
    const versioned = await copyAdapter("versioned");
    const manifestPath = join(versioned, "manifest.json");
    const manifest = JSON.parse(await readFile(manifestPath, "utf8"));
    manifest.formatVersion = 99;
    await writeFile(manifestPath, JSON.stringify(manifest));
    await expect(loadAdapter(versioned)).rejects.toThrow(/format version 99 .* not supported/);

    const unmanifested = await copyAdapter("unmanifested");
    await rm(join(unmanifested, "manifest.json"));
    await expect(loadAdapter(unmanifested)).rejects.toThrow(/manifest is missing/);

    const incomplete = await copyAdapter("incomplete");
    await rm(join(incomplete, "calibration.json"));
    await expect(loadAdapter(incomplete)).rejects.toThrow(
      /calibration\.json: listed in the manifest but missing/,
    );

    await expect(loadAdapter(join(directory, "no-such-adapter"))).rejects.toThrow(ArtifactError);
  });
});

describe("predict", () => {
  async function alwaysLm(largeModel?: Parameters<typeof createAdapterRuntime>[0]["largeModel"]) {
    const artifact = await loadAdapterArtifact(adapterDir);
    const description = {
      ...artifact.description,
      operatingPoint: { ...artifact.description.operatingPoint, threshold: Number.NEGATIVE_INFINITY },
    };
    return createAdapterRuntime({ description, ssms: artifact.ssms, largeModel });
  }
  const offLabelRow = () => topics.test.find((row) => row.columns["llm"] === "")!;
  const answeredRow = () => topics.test.find((row) => row.columns["llm"] === row.label)!;

  it("answers from the SSM where the router says so, and calls the LM only when routed", async () => {
    const loaded = await loadAdapter(adapterDir, { largeModel: setup.model });
    let routed = 0;
    for (const row of topics.test) {
      const prediction = await loaded.predict(row.text);
      expect(topics.task.labels).toContain(prediction.label);
      if (loaded.decide(row.text).useLm) {
        routed += 1;
        expect(prediction.route === "fallback" ? prediction.fallbackReason : prediction.lmRaw).toBeDefined();
      } else {
        expect(prediction.route).toBe("ssm");
        expect(prediction.lmRaw).toBeUndefined();
      }
    }
    expect(result.fitted.operatingPoint.lmShare).toBeLessThanOrEqual(0.3);
    expect(routed).toBeLessThan(topics.test.length * 0.6);
  });

  it("uses the LM's answer through the gate, and falls back on an off-label answer", async () => {
    const adapter = await alwaysLm(setup.model);
    const answered = await adapter.predict(answeredRow().text);
    expect(answered.lmRaw).toBe(answeredRow().label);
    expect(["lm", "ssm"]).toContain(answered.route);
    const offLabel = await adapter.predict(offLabelRow().text);
    expect(offLabel).toMatchObject({ route: "fallback", fallbackReason: "lm-unparseable" });
    expect(offLabel.label).toBe(adapter.decide(offLabelRow().text).ssmLabel);
    expect(offLabel.lmRaw).toBeDefined();
  });

  it("falls back without an LM and on an LM timeout", async () => {
    const withoutLm = await alwaysLm(undefined);
    expect(await withoutLm.predict(answeredRow().text)).toMatchObject({
      route: "fallback",
      fallbackReason: "no-lm",
    });
    const batch = await withoutLm.predictBatch(topics.test.slice(0, 10).map((row) => row.text));
    expect(batch.filter((prediction) => prediction.route === "fallback").length).toBeGreaterThan(0);
    for (const prediction of batch) {
      expect(prediction.fallbackReason).toBe(prediction.route === "fallback" ? "no-lm" : undefined);
    }
    const answers = await loadRecordedAnswers([join(topicsDir, "test.csv")], "llm");
    const slow = await startReplayServer({ answers, latencyMs: 400 });
    try {
      const impatient = createOpenAICompatibleModel({ baseUrl: slow.url, model: "llm", timeoutMs: 50 });
      const adapter = await alwaysLm(impatient);
      expect(await adapter.predict(answeredRow().text)).toMatchObject({
        route: "fallback",
        fallbackReason: "lm-timeout",
      });
    } finally {
      await slow.close();
    }
  });

  it("throws an LM authentication error instead of hiding it", async () => {
    const refusing: Server = createServer((_request, response) => {
      response.writeHead(401, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { message: "bad key", type: "invalid_request_error" } }));
    });
    await new Promise<void>((resolve) => refusing.listen(0, "127.0.0.1", resolve));
    try {
      const port = (refusing.address() as AddressInfo).port;
      const model = createOpenAICompatibleModel({
        baseUrl: `http://127.0.0.1:${port}/v1`,
        model: "llm",
        apiKey: "x",
      });
      const adapter = await alwaysLm(model);
      await expect(adapter.predict(answeredRow().text)).rejects.toThrow(LargeModelAuthenticationError);
    } finally {
      await new Promise((resolve) => refusing.close(resolve));
    }
  });
});
