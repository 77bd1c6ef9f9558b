import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOnlineLearner } from "../../src/online/online-learner.js";
import type { Adapter } from "../../src/spec/adapter.js";
import { ticketsAdapterFolder } from "../fixtures/serve/tickets-adapter.js";

const copyJob = new URL("../fixtures/online/copy-adapter-job.ts", import.meta.url);

/** What counts towards a refresh: new texts only, and never fewer rows than a refresh needs. */
describe("the online learner's count of answers", () => {
  let directory: string;
  let served: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "learner-answers-"));
    served = join(directory, "tickets");
    await cp(await ticketsAdapterFolder(), served, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  async function learnerEvery(n: number, learnDir: string, news: string[]) {
    return createOnlineLearner({
      model: "tickets",
      from: { adapterDir: served },
      learnDir: join(directory, learnDir),
      schedule: { kind: "every", n },
      load: async (folder) => ({ id: folder }) as unknown as Adapter,
      swap: () => {},
      jobModule: copyJob,
      say: (line) => news.push(line),
    });
  }
  const answer = (text: string) => ({ model: "tickets", text, label: "billing", audited: false });

  it("counts a text repeated while pending once: six identical answers are one new answer", async () => {
    const news: string[] = [];
    const learner = await learnerEvery(5, "repeated", news);
    try {
      for (let index = 0; index < 10; index += 1) learner.hear(answer(`first ${index}`));
      await learner.idle();
      expect(learner.refreshes).toBe(1);
      for (let index = 0; index < 6; index += 1) learner.hear(answer("the same text"));
      expect(learner.refreshing).toBe(false);
      for (let index = 0; index < 4; index += 1) learner.hear(answer(`other ${index}`));
      expect(learner.refreshing).toBe(true);
      await learner.idle();
    } finally {
      await learner.close();
    }
    expect(news.at(-1)).toMatch(/refreshed from 5 new answers/);
  }, 30_000);

  it("with --learn-every 1, starts no refresh before it has 10 rows to learn from", async () => {
    const news: string[] = [];
    const learner = await learnerEvery(1, "every-one", news);
    try {
      for (let index = 0; index < 9; index += 1) {
        learner.hear(answer(`text ${index}`));
        expect(learner.refreshing).toBe(false);
      }
      learner.hear(answer("text 9"));
      expect(learner.refreshing).toBe(true);
      await learner.idle();
    } finally {
      await learner.close();
    }
    expect(news).toHaveLength(1);
    expect(news[0]).toMatch(/refreshed from 10 new answers/);
  }, 30_000);
});
