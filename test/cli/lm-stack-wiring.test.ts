import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addLargeModelOptions, largeModelFromOptions } from "../../src/cli/lm-options.js";
import { buildClassificationRequest } from "../../src/large-models/classification-prompt.js";
import { AnswerCacheError } from "../../src/large-models/errors/answer-cache-error.js";
import { probe } from "../../src/probe/probe.js";
import { ProbeStoppedError } from "../../src/probe/probe-stopped-error.js";
import { chatCompletionBody, type ScriptedServer, startScriptedServer } from "../support/scripted-server.js";

function parse(args: string[]): Record<string, unknown> {
  const command = addLargeModelOptions(new Command().exitOverride());
  command.parse(args, { from: "user" });
  return command.opts();
}

const task = { name: "t", labels: ["a", "b"] };
let folder: string;
let server: ScriptedServer;
beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), "lm-stack-"));
  server = await startScriptedServer([], { status: 200, body: chatCompletionBody("a") });
});
afterAll(async () => {
  await server.close();
  rmSync(folder, { recursive: true, force: true });
});

function corruptCacheFile(name: string): string {
  const file = join(folder, name);
  writeFileSync(file, "this is not a SQLite database, just some bytes ".repeat(200));
  return file;
}

describe("the LM stack the commands build", () => {
  it("sends identical requests in flight at once upstream once, with and without the cache", async () => {
    for (const cacheFlags of [["--no-cache"], ["--cache", join(folder, "shared.sqlite")]]) {
      const before = server.requests.length;
      const setup = largeModelFromOptions(
        parse(["--lm-base-url", server.origin, "--lm-model", "m", ...cacheFlags]),
        {},
      );
      const request = buildClassificationRequest(task, `same text ${cacheFlags[0]}`);
      const answers = await Promise.all(Array.from({ length: 5 }, () => setup.model.complete(request)));
      expect(answers.map((answer) => answer.text)).toEqual(["a", "a", "a", "a", "a"]);
      expect(server.requests.length - before).toBe(1);
      expect(setup.stats().sharedCalls).toBe(4);
      setup.close();
    }
  });

  it("fails on a corrupt cache with an error naming the file, or answers without it in bypass mode", async () => {
    const request = buildClassificationRequest(task, "a text");
    const throwing = corruptCacheFile("throwing.sqlite");
    expect(() => {
      const setup = largeModelFromOptions(
        parse(["--lm-base-url", server.origin, "--lm-model", "m", "--cache", throwing]),
        {},
      );
      return setup.model.complete(request);
    }).toThrow(AnswerCacheError);

    const bypassed = corruptCacheFile("bypassed.sqlite");
    const warnings: string[] = [];
    const setup = largeModelFromOptions(
      parse(["--lm-base-url", server.origin, "--lm-model", "m", "--cache", bypassed]),
      {},
      { cacheErrors: "bypass", logger: { info() {}, warn: (event) => warnings.push(event) } },
    );
    expect((await setup.model.complete(request)).text).toBe("a");
    expect(warnings).toEqual(["answer-cache-bypassed"]);
    setup.close();
  });

  it("stops a probe at once on a corrupt cache, not after a streak of 'failed' rows", async () => {
    const model = {
      id: "broken-cache",
      complete: () => Promise.reject(new AnswerCacheError("not a database", "/tmp/x.sqlite")),
    };
    const stopped = await probe(["one", "two", "three"], task, model, { concurrency: 1 }).catch(
      (error: unknown) => error,
    );
    expect(stopped).toBeInstanceOf(ProbeStoppedError);
    expect((stopped as ProbeStoppedError).reason).toBe("cache");
  });

  it("counts replies that held no text, and does not cache them", async () => {
    const empty = await startScriptedServer([], { status: 200, body: chatCompletionBody("") });
    try {
      const setup = largeModelFromOptions(
        parse(["--lm-base-url", empty.origin, "--lm-model", "m", "--cache", join(folder, "empty.sqlite")]),
        {},
      );
      const result = await probe(["x", "x"], task, setup.model, { concurrency: 1 });
      expect(result.stats.emptyReplies).toBe(2);
      expect(setup.stats().emptyReplies).toBe(2);
      expect(empty.requests.length).toBe(2);
      setup.close();
    } finally {
      await empty.close();
    }
  });
});
