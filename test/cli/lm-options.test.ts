import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addLargeModelOptions, largeModelFromOptions } from "../../src/cli/lm-options.js";
import { buildClassificationRequest } from "../../src/large-models/classification-prompt.js";
import { LargeModelTimeoutError } from "../../src/large-models/errors/index.js";
import { UsageError } from "../../src/spec/errors/usage-error.js";
import { chatCompletionBody, type ScriptedServer, startScriptedServer } from "../support/scripted-server.js";

function parse(args: string[]): Record<string, unknown> {
  const command = addLargeModelOptions(new Command().exitOverride());
  command.parse(args, { from: "user" });
  return command.opts();
}

let folder: string;
let server: ScriptedServer;
beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), "lm-options-"));
  server = await startScriptedServer([], { status: 200, body: chatCompletionBody("a") });
});
afterAll(async () => {
  await server.close();
  rmSync(folder, { recursive: true, force: true });
});

const request = buildClassificationRequest({ name: "t", labels: ["a", "b"] }, "hello");

describe("largeModelFromOptions", () => {
  it.each([
    [["--concurrency", "0"], "--concurrency must be at least 1"],
    [["--concurrency", "two"], "--concurrency must be a whole number"],
    [["--lm-timeout-ms", "-5"], "--lm-timeout-ms must be a whole number"],
    [["--max-calls", "1.5"], "--max-calls must be a whole number"],
    [["--max-dollars", "lots"], "--max-dollars must be a non-negative number"],
    [["--lm-base-url", "not a url"], "--lm-base-url must be an http(s) URL"],
    [["--lm-api-key-env", "NOT-A-NAME"], "--lm-api-key-env must be an environment variable name"],
    [["--max-dollars", "5"], "--max-dollars needs --price-input-per-mtok and --price-output-per-mtok"],
    [["--price-input-per-mtok", "5"], "give both --price-input-per-mtok and --price-output-per-mtok"],
  ])("refuses %j with a UsageError", (args, message) => {
    const options = parse([...args, "--lm-model", "m", "--no-cache"]);
    expect(() => largeModelFromOptions(options, {})).toThrow(UsageError);
    expect(() => largeModelFromOptions(options, {})).toThrow(message);
  });

  it("requires --lm-model", () => {
    expect(() => largeModelFromOptions(parse(["--no-cache"]), {})).toThrow("--lm-model is required");
  });

  it("refuses an unknown provider", () => {
    expect(() => parse(["--lm-provider", "gemini"])).toThrow();
  });

  it("refuses a public endpoint without an API key before any call; loopback and private hosts need none", () => {
    let calls = 0;
    const countingFetch = (() => {
      calls += 1;
      return Promise.reject(new Error("no call expected"));
    }) as typeof fetch;
    for (const args of [
      ["--lm-base-url", "https://llm.example.com/v1"],
      [],
      ["--lm-provider", "anthropic"],
    ]) {
      const options = parse(["--lm-model", "m", "--no-cache", ...args]);
      expect(() => largeModelFromOptions(options, {}, { fetch: countingFetch })).toThrow(UsageError);
      expect(() => largeModelFromOptions(options, {}, { fetch: countingFetch })).toThrow(
        /no API key for the LM at https:/,
      );
    }
    expect(() =>
      largeModelFromOptions(parse(["--lm-model", "m", "--no-cache", "--lm-provider", "anthropic"]), {}),
    ).toThrow(
      /set ANTHROPIC_API_KEY, or name the environment variable holding the key with --lm-api-key-env/,
    );
    expect(calls).toBe(0);
    // With a key, a public endpoint is fine; without one, so are this machine and private networks.
    largeModelFromOptions(parse(["--lm-model", "m", "--no-cache"]), { OPENAI_API_KEY: "sk-test" }).close();
    for (const url of [
      "http://127.0.0.1:8080/v1",
      "http://localhost:11434/v1",
      "http://[::1]:8000/v1",
      "http://10.0.0.7/v1",
      "http://192.168.1.20:1234/v1",
      "http://vllm:8000/v1",
    ]) {
      largeModelFromOptions(parse(["--lm-model", "m", "--no-cache", "--lm-base-url", url]), {}).close();
    }
    // --dry-run calls nothing: no key needed to estimate.
    largeModelFromOptions(parse(["--lm-model", "m", "--no-cache", "--dry-run"]), {}).close();
  });

  it("names the empty environment variable given by --lm-api-key-env", () => {
    const options = parse(["--lm-model", "m", "--lm-api-key-env", "MY_EMPTY_KEY", "--no-cache"]);
    expect(() => largeModelFromOptions(options, { MY_EMPTY_KEY: "" })).toThrow(
      /MY_EMPTY_KEY.*empty or not set/,
    );
    expect(() => largeModelFromOptions(options, {})).toThrow(UsageError);
  });

  it("sends the key from --lm-api-key-env, OPENAI_API_KEY when set, and no key otherwise", async () => {
    const base = ["--lm-model", "m", "--lm-base-url", `${server.origin}/v1`, "--no-cache"];
    const withNamed = largeModelFromOptions(parse([...base, "--lm-api-key-env", "MY_KEY"]), {
      MY_KEY: "sk-named",
    });
    await withNamed.model.complete(request);
    expect(server.requests.at(-1)?.headers.authorization).toBe("Bearer sk-named");
    const withDefault = largeModelFromOptions(parse(base), { OPENAI_API_KEY: "sk-default" });
    await withDefault.model.complete(request);
    expect(server.requests.at(-1)?.headers.authorization).toBe("Bearer sk-default");
    const withNone = largeModelFromOptions(parse(base), {});
    await withNone.model.complete(request);
    expect(server.requests.at(-1)?.headers.authorization).toBeUndefined();
  });

  it("builds the Anthropic connector with ANTHROPIC_API_KEY by default", async () => {
    const anthropic = await startScriptedServer([], {
      status: 200,
      body: { content: [{ type: "text", text: "b" }], usage: { input_tokens: 9, output_tokens: 1 } },
    });
    try {
      const setup = largeModelFromOptions(
        parse([
          "--lm-provider",
          "anthropic",
          "--lm-model",
          "claude-x",
          "--lm-base-url",
          anthropic.origin,
          "--no-cache",
        ]),
        { ANTHROPIC_API_KEY: "sk-ant-default" },
      );
      expect(setup.model.id).toBe("anthropic:claude-x");
      expect((await setup.model.complete(request)).text).toBe("b");
      expect(anthropic.requests[0]?.headers["x-api-key"]).toBe("sk-ant-default");
      expect(anthropic.requests[0]?.url).toBe("/v1/messages");
    } finally {
      await anthropic.close();
    }
  });

  it("applies --lm-timeout-ms and --max-retries", async () => {
    const hanging = await startScriptedServer([], "hang");
    try {
      const setup = largeModelFromOptions(
        parse([
          ...["--lm-model", "m", "--lm-base-url", `${hanging.origin}/v1`, "--no-cache"],
          ...["--lm-timeout-ms", "100", "--max-retries", "1", "--retry-base-delay-ms", "1"],
        ]),
        {},
      );
      await expect(setup.model.complete(request)).rejects.toBeInstanceOf(LargeModelTimeoutError);
      expect(hanging.requests).toHaveLength(2);
      expect(setup.stats()).toMatchObject({ httpCalls: 2, retries: 1, calls: 0 });
    } finally {
      await hanging.close();
    }
  });

  it("puts the default cache in .easy-adapt/cache.sqlite under the working directory", async () => {
    const setup = largeModelFromOptions(
      parse(["--lm-model", "m", "--lm-base-url", `${server.origin}/v1`]),
      {},
      {
        cwd: folder,
      },
    );
    await setup.model.complete(request);
    expect(setup.cache?.path).toBe(join(folder, ".easy-adapt", "cache.sqlite"));
    expect(existsSync(join(folder, ".easy-adapt", "cache.sqlite"))).toBe(true);
    expect((await setup.model.complete(request)).cached).toBe(true);
    expect(setup.stats()).toMatchObject({ httpCalls: 1, cacheHits: 1, calls: 1 });
    setup.close();
  });

  it("estimates a dry run (cache hits free) and makes no HTTP call", async () => {
    const cache = join(folder, "dry.sqlite");
    const live = largeModelFromOptions(
      parse(["--lm-model", "m", "--lm-base-url", `${server.origin}/v1`, "--cache", cache]),
      {},
    );
    await live.model.complete(request);
    live.close();
    const before = server.requests.length;
    const dry = largeModelFromOptions(
      parse([
        "--lm-model",
        "m",
        "--lm-base-url",
        `${server.origin}/v1`,
        "--cache",
        cache,
        "--dry-run",
        "--price-input-per-mtok",
        "1",
        "--price-output-per-mtok",
        "2",
      ]),
      {},
    );
    const other = buildClassificationRequest({ name: "t", labels: ["a", "b"] }, "another text");
    const estimate = await dry.estimate([request, other, other]);
    expect(estimate).toMatchObject({
      requests: 3,
      cached: 1,
      calls: 2,
      completionTokens: 2 * other.maxTokens,
    });
    expect(estimate.promptTokens).toBeGreaterThan(0);
    expect(estimate.dollars).toBeCloseTo((estimate.promptTokens * 1 + estimate.completionTokens * 2) / 1e6);
    await expect(dry.model.complete(other)).rejects.toThrow("--dry-run");
    expect(dry.stats().httpCalls).toBe(0);
    expect(server.requests.length).toBe(before);
    dry.close();
  });
});
