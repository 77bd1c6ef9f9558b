import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadAdapter } from "../../src/adapter/load-adapter.js";
import { openAdapterFolder, openOutputFolder } from "../../src/cli/output-folder.js";
import type { ReplayServer } from "../../src/replay/replay-server.js";
import { UsageError } from "../../src/spec/errors/usage-error.js";
import { nodeErrorCode } from "../../src/util/node-error-code.js";
import { startTopicsReplayServer, topicsAdaptArgs } from "../fixtures/adapt/load-fixture.js";
import { readTicketRows, ticketsAdapterFolder } from "../fixtures/serve/tickets-adapter.js";
import { runCli } from "../support/run-cli.js";

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "easy-adapt-cli-nits-"));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

// An LM nobody listens at: a call there fails at once (nothing is paid for).
const unreachableLm = [
  "--lm-base-url",
  "http://127.0.0.1:9/v1",
  "--lm-model",
  "llm",
  "--no-cache",
  "--max-retries",
  "0",
];

/** `adapt` on the topics fixture into `out`, then `rest`. */
function adaptArgs(out: string, ...rest: string[]): string[] {
  return topicsAdaptArgs(out, {}, ...rest);
}

describe("nodeErrorCode", () => {
  it("reads a string code and nothing else", async () => {
    const error = await readFile(join(tmpdir(), "easy-adapt-no-such-file")).catch(
      (caught: unknown) => caught,
    );
    expect(nodeErrorCode(error)).toBe("ENOENT");
    expect(nodeErrorCode({ code: "EADDRINUSE" })).toBe("EADDRINUSE");
    for (const value of [undefined, null, "ENOENT", 42, {}, { code: 5 }, new Error("plain")]) {
      expect(nodeErrorCode(value)).toBeUndefined();
    }
  });
});

describe("output folders", () => {
  it("discards the folders it created, while they are empty, and keeps any holding a file", async () => {
    const folder = await openOutputFolder(join(directory, "discard", "a", "b"));
    expect(folder.created).toBe(true);
    expect(existsSync(folder.path)).toBe(true);
    await folder.discardIfEmpty();
    // The three levels it created are gone; the temporary folder, which existed, stays.
    expect(existsSync(join(directory, "discard"))).toBe(false);
    expect(existsSync(directory)).toBe(true);

    const kept = await openOutputFolder(join(directory, "kept", "b"));
    await writeFile(join(kept.path, "report.json"), "{}");
    await kept.discardIfEmpty();
    expect(existsSync(join(kept.path, "report.json"))).toBe(true);

    const existing = join(directory, "existing-empty");
    await mkdir(existing);
    const reused = await openOutputFolder(existing);
    expect(reused.created).toBe(false);
    await reused.discardIfEmpty();
    expect(existsSync(existing)).toBe(true);
  });

  it("refuses a non-empty folder that holds no adapter, and replaces only an adapter's files", async () => {
    const other = join(directory, "other-files");
    await mkdir(other);
    await writeFile(join(other, "notes.txt"), "mine\n");
    const refused = await openAdapterFolder(other).catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(UsageError);
    expect((refused as UsageError).message).toContain(`--out ${other} is not empty`);

    // Files named like an adapter's, without an easy-adapt manifest, are somebody else's: refused, untouched.
    const lookalike = join(directory, "lookalike");
    await mkdir(lookalike);
    for (const file of ["adapter.json", "calibration.json", "package.json"]) {
      await writeFile(join(lookalike, file), "{}");
    }
    await expect(openAdapterFolder(lookalike)).rejects.toThrow("holds no easy-adapt adapter");
    expect((await readdir(lookalike)).sort()).toEqual(["adapter.json", "calibration.json", "package.json"]);

    const previous = join(directory, "previous-adapter");
    await mkdir(previous);
    const manifest = {
      format: "easy-adapt-adapter",
      formatVersion: 1,
      createdBy: "easy-adapt test",
      files: ["adapter.json", "calibration.json", "ssm-1.bin", "ssm-12.bin"].map((path) => ({
        path,
        bytes: 1,
        sha256: "0",
      })),
    };
    await writeFile(join(previous, "manifest.json"), JSON.stringify(manifest));
    for (const file of ["adapter.json", "calibration.json", "ssm-1.bin", "ssm-12.bin", "notes.txt"]) {
      await writeFile(join(previous, file), "x");
    }
    const folder = await openAdapterFolder(previous);
    expect(folder.replacing).toBe(true);
    // A save that fails leaves the previous adapter as it was, and no staging folder behind.
    const failing = folder.writeAdapter(async (staging) => {
      await writeFile(join(staging, "adapter.json"), "half");
      throw new Error("disk full");
    });
    await expect(failing).rejects.toThrow("disk full");
    expect((await readdir(previous)).sort()).toEqual([
      "adapter.json",
      "calibration.json",
      "manifest.json",
      "notes.txt",
      "ssm-1.bin",
      "ssm-12.bin",
    ]);
    // A save that succeeds replaces the listed files only; the user's notes stay.
    await folder.writeAdapter(async (staging) => {
      for (const file of ["adapter.json", "ssm-1.bin", "manifest.json"])
        await writeFile(join(staging, file), "new");
    });
    expect((await readdir(previous)).sort()).toEqual([
      "adapter.json",
      "manifest.json",
      "notes.txt",
      "ssm-1.bin",
    ]);
    expect(await readFile(join(previous, "adapter.json"), "utf8")).toBe("new");

    const fresh = await openAdapterFolder(join(directory, "fresh-adapter"));
    expect(fresh.replacing).toBe(false);
  });
});

describe("predict without an LM", () => {
  it("says once that no LM is configured and marks those rows (no LM), not (lm-error)", async () => {
    const adapterDir = await ticketsAdapterFolder();
    const adapter = await loadAdapter(adapterDir, { largeModel: undefined });
    const texts = readTicketRows("test.csv").map((row) => row.text);
    const routedToLm = texts.filter((text) => adapter.decide(text).useLm);
    expect(routedToLm.length).toBeGreaterThan(0);
    expect(routedToLm.length).toBeLessThan(texts.length);

    const result = await runCli(["predict", "--adapter", adapterDir, ...texts]);
    expect(result.status).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines).toHaveLength(texts.length);
    expect(lines.filter((line) => line.includes("\tfallback (no LM)\t"))).toHaveLength(routedToLm.length);
    expect(result.stdout).not.toContain("lm-error");
    const notes = result.stderr.split("\n").filter((line) => line.startsWith("note: no LM configured"));
    expect(notes).toEqual([
      `note: no LM configured (--lm-base-url/--lm-model): ${routedToLm.length} of ${texts.length} texts the router sends to the LM were answered by the small model`,
    ]);

    // Only texts the SSM answers anyway: no note.
    const ssmText = texts.find((text) => !adapter.decide(text).useLm) ?? "";
    const quiet = await runCli(["predict", "--adapter", adapterDir, ssmText]);
    expect(quiet.status).toBe(0);
    expect(quiet.stderr).not.toContain("note:");

    // An LM that is configured but fails is still an LM error, without the note.
    const failing = await runCli(["predict", "--adapter", adapterDir, ...unreachableLm, routedToLm[0] ?? ""]);
    expect(failing.status).toBe(0);
    expect(failing.stdout).toContain("\tfallback (lm-error)\t");
    expect(failing.stderr).not.toContain("no LM configured");
    // ... and says why the call failed, once.
    expect(failing.stderr).toMatch(
      /^note: the LM call failed for 1 of 1 texts \(the small model answered\): \S/m,
    );
  }, 120_000);
});

describe("adapt --out", () => {
  let server: ReplayServer;

  beforeAll(async () => {
    server = await startTopicsReplayServer();
  });

  afterAll(async () => {
    await server?.close();
  });

  it("refuses a non-empty folder that is not an adapter, naming it, and leaves its files alone", async () => {
    const out = join(directory, "adapt-into-other");
    await mkdir(out);
    await writeFile(join(out, "notes.txt"), "mine\n");
    const result = await runCli(adaptArgs(out, ...unreachableLm));
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`--out ${out} is not empty and holds no easy-adapt adapter`);
    expect(result.stderr).not.toContain("    at ");
    expect(await readdir(out)).toEqual(["notes.txt"]);
  }, 60_000);

  it("replaces an existing adapter, saying so, and keeps the other files there", async () => {
    const out = join(directory, "adapt-replace");
    await cp(await ticketsAdapterFolder(), out, { recursive: true });
    await writeFile(join(out, "notes.txt"), "mine");
    const result = await runCli(
      adaptArgs(out, "--json", "--lm-base-url", server.url, "--lm-model", "llm", "--no-cache"),
    );
    expect(result.stderr).not.toContain("unexpected error");
    expect(result.status).toBe(0);
    expect(result.stderr).toContain(`note: replacing the adapter in ${out}\n`);
    expect((await readdir(out)).sort()).toEqual([
      "adapter.json",
      "calibration.json",
      "manifest.json",
      "notes.txt",
      "ssm-1.bin",
      "training-rows.jsonl.gz",
    ]);
    const replaced = await loadAdapter(out, { largeModel: undefined });
    expect(replaced.task.name).toBe("topics");
  }, 120_000);

  it("removes the --out folder it created when the run fails, and keeps one that existed", async () => {
    const top = join(directory, "adapt-fails");
    const out = join(top, "adapter");
    const result = await runCli(adaptArgs(out, ...unreachableLm));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("LM calls in a row failed");
    expect(existsSync(top)).toBe(false);

    const existing = join(directory, "adapt-fails-existing");
    await mkdir(existing);
    const again = await runCli(adaptArgs(existing, ...unreachableLm));
    expect(again.status).toBe(1);
    expect(existsSync(existing)).toBe(true);
  }, 60_000);
});

describe("bench --out", () => {
  it("removes the --out folder it created when the dataset folder cannot be read", async () => {
    const out = join(directory, "bench-fails", "report");
    const result = await runCli([
      "bench",
      join(directory, "no-such-dataset"),
      "--llm-column",
      "llm",
      "--out",
      out,
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("no-such-dataset");
    expect(existsSync(join(directory, "bench-fails"))).toBe(false);
  }, 60_000);
});
