import { cp, mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadAdapterArtifact, saveAdapterArtifact } from "../../src/adapter/adapter-artifact.js";
import { openRefreshFolders } from "../../src/online/learn-folders.js";
import { createOnlineLearner, type OnlineLearner } from "../../src/online/online-learner.js";
import type { Adapter } from "../../src/spec/adapter.js";
import { ticketsAdapterFolder } from "../fixtures/serve/tickets-adapter.js";

const copyJob = new URL("../fixtures/online/copy-adapter-job.ts", import.meta.url);

/** An adapter stand-in carrying the folder it was "loaded" from as its id. */
const loadStub = async (directory: string): Promise<Adapter> => ({ id: directory }) as unknown as Adapter;

/** Hears `count` distinct LLM answers for the model "tickets". */
function hearDistinct(learner: OnlineLearner, prefix: string, count: number): void {
  for (let index = 0; index < count; index += 1) {
    learner.hear({ model: "tickets", text: `${prefix} ${index}`, label: "billing", audited: false });
  }
}

/** The learn folder's refreshed adapters never include the folder being served, whatever its number. */
describe("the online learner's folders", () => {
  let directory: string;
  let source: string;

  beforeAll(async () => {
    source = await ticketsAdapterFolder();
    directory = await mkdtemp(join(tmpdir(), "learner-folders-"));
  }, 120_000);
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("prune spares the folders named, and removes the other old ones", async () => {
    const learnDir = join(directory, "prune");
    for (const number of [1, 2, 3, 4, 5, 6])
      await mkdir(join(learnDir, `refresh-000${number}`), { recursive: true });
    const folders = await openRefreshFolders(learnDir);
    await folders.prune([join(learnDir, "refresh-0002")]);
    expect((await readdir(learnDir)).sort()).toEqual([
      "refresh-0002",
      "refresh-0004",
      "refresh-0005",
      "refresh-0006",
    ]);
  });

  it("never deletes the served folder when it is one of the learn folder's refreshes", async () => {
    // serve --adapter x.learned/refresh-0001 --learn-dir x.learned: four refreshes later it is still there.
    const learnDir = join(directory, "x.learned");
    const served = join(learnDir, "refresh-0001");
    await cp(source, served, { recursive: true });
    const learner = await createOnlineLearner({
      model: "tickets",
      from: { adapterDir: served },
      learnDir,
      schedule: { kind: "every", n: 10 },
      load: loadStub,
      swap: () => {},
      jobModule: copyJob,
      say: () => {},
    });
    try {
      for (let round = 0; round < 4; round += 1) {
        hearDistinct(learner, `round ${round}`, 10);
        await learner.idle();
      }
    } finally {
      await learner.close();
    }
    expect(learner.refreshes).toBe(4);
    expect((await readdir(learnDir)).sort()).toEqual([
      "refresh-0001",
      "refresh-0003",
      "refresh-0004",
      "refresh-0005",
    ]);
    await expect(loadAdapterArtifact(served)).resolves.toBeDefined();
  }, 30_000);

  it("after a reload the next refresh starts from the reloaded folder; one running meanwhile is not swapped in, its answers kept", async () => {
    const learnDir = join(directory, "reload.learned");
    const served = join(directory, "reload-served");
    const deployed = join(directory, "reload-deployed");
    await cp(source, served, { recursive: true });
    const artifact = await loadAdapterArtifact(source);
    const createdAt = "2031-01-01T00:00:00.000Z";
    await saveAdapterArtifact(deployed, { ...artifact, description: { ...artifact.description, createdAt } });
    const swapped: string[] = [];
    const news: string[] = [];
    const learner = await createOnlineLearner({
      model: "tickets",
      from: { adapterDir: served },
      learnDir,
      schedule: { kind: "every", n: 10 },
      load: loadStub,
      swap: (adapter) => swapped.push(adapter.id ?? ""),
      jobModule: copyJob,
      say: (line) => news.push(line),
    });
    try {
      hearDistinct(learner, "before", 10);
      expect(learner.refreshing).toBe(true);
      // A deploy is reloaded while that refresh (built on the replaced adapter) runs.
      learner.restartFrom(deployed);
      await learner.idle();
      expect(swapped).toEqual([]);
      expect(news.join("\n")).toContain("not swapped in: the adapter was reloaded meanwhile");
      hearDistinct(learner, "after", 10);
      await learner.idle();
    } finally {
      await learner.close();
    }
    expect(swapped).toHaveLength(1);
    // The copy job copies the adapter it starts from, one second later: the deploy's.
    const refreshed = await loadAdapterArtifact(swapped[0]!);
    expect(refreshed.description.createdAt).toBe("2031-01-01T00:00:01.000Z");
    // The answers of the refresh not swapped in went to the next one.
    expect(news.at(-1)).toMatch(/refreshed from 20 new answers/);
  }, 30_000);
});
