import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoDataEvent, defaultDatasetCacheDir, resolveDemoDataset } from "../../src/data/demo-data.js";
import { UsageError } from "../../src/spec/errors/index.js";
import { datasetsDir } from "../support/datasets.js";

const fixtureDir = fileURLToPath(new URL("../fixtures/ocats/", import.meta.url));
/** Offline: the one honest stand-in for a fetch, since nothing can be reached from here. */
const offlineFetch: typeof fetch = () => Promise.reject(new TypeError("fetch failed"));

let server: Server;
let baseUrl: string;
let requests: string[] = [];
let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "demo-data-"));
  // A real HTTP server on loopback with the OCaTS repository's file layout.
  server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname)).replace(
      /^\/+/,
      "",
    );
    requests.push(path);
    readFile(join(fixtureDir, path)).then(
      (body) => response.writeHead(200, { "content-type": "text/plain; charset=utf-8" }).end(body),
      () => response.writeHead(404).end("not found"),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(workDir, { recursive: true, force: true });
});

describe("resolveDemoDataset", () => {
  it("downloads the OCaTS files, converts them into the cache, then reuses the cache", async () => {
    const cacheDir = join(workDir, "cache-a");
    const events: DemoDataEvent[] = [];
    requests = [];
    const dir = await resolveDemoDataset({
      cacheDir,
      fetch,
      sharedDir: null,
      sourceBaseUrl: baseUrl,
      onEvent: (event) => events.push(event),
    });
    expect(dir).toBe(join(cacheDir, "banking77"));
    expect(requests).toEqual([
      "data/raw/banking77/train.csv",
      "data/processed/banking77/dev.csv",
      "data/raw/banking77/test.csv",
      "data/processed/banking77/train.csv",
      "LICENSE",
    ]);
    expect(await readFile(join(dir, "labels.txt"), "utf8")).toContain("reverted_card_payment?\n");
    expect((await readFile(join(dir, "test.csv"), "utf8")).split("\n")[0]).toBe(
      "text,label,gpt4,gpt4_noncurated,gpt35",
    );
    expect(await readFile(join(dir, "OCaTS-LICENSE.txt"), "utf8")).toContain("MIT License");
    expect(events.at(-1)).toMatchObject({ type: "conversion-done", counts: { train: 4, dev: 2, test: 4 } });

    const again: DemoDataEvent[] = [];
    const cached = await resolveDemoDataset({
      cacheDir,
      fetch: offlineFetch,
      sharedDir: null,
      onEvent: (event) => again.push(event),
    });
    expect(cached).toBe(dir);
    expect(again).toEqual([{ type: "demo-data-found", dir, source: "cache" }]);
  });

  it("offline and with no copy, says exactly how to point it at a folder", async () => {
    const attempt = resolveDemoDataset({
      cacheDir: join(workDir, "cache-offline"),
      fetch: offlineFetch,
      sharedDir: null,
    });
    const error: unknown = await attempt.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    if (!(error instanceof UsageError)) throw new Error(`expected a UsageError, got ${String(error)}`);
    expect(error.exitCode).toBe(2);
    expect(error.isUserError).toBe(true);
    expect(error.message).toContain("fetch failed");
    expect(error.message).toContain("--data-dir DIR");
    expect(error.message).toContain("EASY_ADAPT_DATA=DIR");
    expect(error.message).toMatch(/train\.csv.*dev\.csv and test\.csv.*text,label,gpt4.*labels\.txt/);
  });

  it("turns an HTTP error into the same usage error, naming the status", async () => {
    const attempt = resolveDemoDataset({
      cacheDir: join(workDir, "cache-404"),
      fetch,
      sharedDir: null,
      sourceBaseUrl: `${baseUrl}no-such-folder/`,
    });
    await expect(attempt).rejects.toThrow(/answered 404.*--data-dir DIR/);
  });

  it("prefers --data-dir, then EASY_ADAPT_DATA, and accepts a datasets folder holding banking77/", async () => {
    const datasets = join(workDir, "datasets");
    const complete = join(datasets, "banking77");
    await mkdir(complete, { recursive: true });
    await writeFile(join(complete, "train.csv"), "text,label\nhi,age_limit\n");
    await writeFile(join(complete, "dev.csv"), "text,label,gpt4\nhi,age_limit,age_limit\n");
    await writeFile(join(complete, "test.csv"), '"text","label","gpt4","gpt35"\nhi,age_limit,,age_limit\n');
    await writeFile(join(complete, "labels.txt"), "age_limit\n");
    const options = { cacheDir: join(workDir, "unused"), fetch: offlineFetch, sharedDir: null };
    expect(await resolveDemoDataset({ ...options, dataDir: complete, environmentDataDir: "/nowhere" })).toBe(
      complete,
    );
    expect(await resolveDemoDataset({ ...options, environmentDataDir: datasets })).toBe(complete);
    await expect(
      resolveDemoDataset({ ...options, dataDir: "/nowhere", environmentDataDir: complete }),
    ).rejects.toThrow(/--data-dir is not usable: \/nowhere has no train\.csv/);
  });

  it("rejects a given folder that lacks files or the gpt4 column", async () => {
    const incomplete = join(workDir, "incomplete");
    await mkdir(incomplete, { recursive: true });
    await writeFile(join(incomplete, "test.csv"), "text,label\nhi,age_limit\n");
    const options = { cacheDir: join(workDir, "unused"), fetch: offlineFetch, sharedDir: null };
    await expect(resolveDemoDataset({ ...options, dataDir: incomplete })).rejects.toThrow(
      /given by --data-dir is not usable: .*incomplete has no train\.csv, dev\.csv, labels\.txt/,
    );
    for (const file of ["train.csv", "dev.csv", "labels.txt"])
      await writeFile(join(incomplete, file), "text,label,gpt4\n");
    await expect(resolveDemoDataset({ ...options, environmentDataDir: incomplete })).rejects.toThrow(
      /given by EASY_ADAPT_DATA is not usable: .*test\.csv has no column gpt4/,
    );
  });
});

describe("defaultDatasetCacheDir", () => {
  it("uses XDG_CACHE_HOME when set, else ~/.cache", () => {
    expect(defaultDatasetCacheDir({ homeDir: "/home/ada" })).toBe("/home/ada/.cache/easy-adapt/datasets");
    expect(defaultDatasetCacheDir({ homeDir: "/home/ada", xdgCacheHome: "/var/cache/ada" })).toBe(
      "/var/cache/ada/easy-adapt/datasets",
    );
  });
});

describe.skipIf(datasetsDir === undefined)("resolveDemoDataset with ../shared/datasets", () => {
  it("finds banking77 in the shared datasets folder without downloading", async () => {
    const dir = await resolveDemoDataset({ cacheDir: join(workDir, "unused"), fetch: offlineFetch });
    expect(dir).toBe(join(datasetsDir!, "banking77"));
  });
});
