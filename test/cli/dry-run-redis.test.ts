import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type ScriptedUpstream, startScriptedUpstream } from "../fixtures/serve/scripted-upstream.js";
import { redisMissing, startTestRedis, type TestRedis } from "../support/redis-server.js";
import { runCli } from "../support/run-cli.js";

const estimateSchema = z.object({
  dryRun: z.literal(true),
  requests: z.number(),
  cached: z.number(),
  calls: z.number(),
});

const csv = (texts: readonly string[]) => `text\n${texts.map((text) => `"${text}"`).join("\n")}\n`;

describe.skipIf(redisMissing !== undefined)("--dry-run with --redis (CLI)", () => {
  let redis: TestRedis;
  let upstream: ScriptedUpstream;
  let directory: string;
  const paid = ["my card is lost", "refund my order", "the app crashes", "change my address"];
  const unpaid = ["where is my parcel", "cancel my plan"];

  beforeAll(async () => {
    redis = await startTestRedis();
    upstream = await startScriptedUpstream();
    upstream.behaviour = { kind: "answer", content: "refund_request" };
    directory = await mkdtemp(join(tmpdir(), "dry-run-redis-"));
    await writeFile(
      join(directory, "task.json"),
      JSON.stringify({ name: "tickets", labels: ["refund_request", "bug_report"] }),
    );
    await writeFile(join(directory, "paid.csv"), csv(paid));
    await writeFile(join(directory, "all.csv"), csv([...paid, ...unpaid]));
    const labelled = [...paid, ...unpaid].map(
      (text, index) => `"${text}",${index % 2 === 0 ? "refund_request" : "bug_report"}`,
    );
    await writeFile(join(directory, "labelled.csv"), `text,label\n${labelled.join("\n")}\n`);
  });
  afterAll(async () => {
    await upstream?.close();
    await redis?.stop();
    await rm(directory, { recursive: true, force: true });
  });

  const lmFlags = () => ["--lm-base-url", upstream.baseUrl, "--lm-model", "scripted", "--no-cache"];
  const dryRun = async (command: "probe" | "adapt", extra: string[]) => {
    const data =
      command === "probe"
        ? ["--data", "all.csv"]
        : ["--train", "labelled.csv", "--calib", "labelled.csv", "--out", "adapter", "--probe-train"];
    const result = await runCli(
      [command, "--task", "task.json", ...data, ...lmFlags(), "--dry-run", "--json", ...extra],
      { cwd: directory },
    );
    expect(result.status, result.stderr).toBe(0);
    return estimateSchema.parse(JSON.parse(result.stdout.trim().split("\n").at(-1) ?? ""));
  };

  it("counts the answers the fleet's Redis holds as free: probe and adapt estimate only the others", async () => {
    const probe = await runCli(
      [
        "probe",
        "--task",
        "task.json",
        "--data",
        "paid.csv",
        "--out",
        "answers.csv",
        ...lmFlags(),
        "--redis",
        redis.url,
      ],
      { cwd: directory },
    );
    expect(probe.status, probe.stderr).toBe(0);
    const callsAfterProbe = upstream.calls;
    expect(callsAfterProbe).toBe(paid.length);
    // No SQLite cache (--no-cache): the answers are only in Redis.
    expect(await dryRun("probe", ["--redis", redis.url])).toMatchObject({ requests: 6, cached: 4, calls: 2 });
    expect(await dryRun("probe", [])).toMatchObject({ requests: 6, cached: 0, calls: 6 });
    const adapt = await dryRun("adapt", ["--redis", redis.url]);
    expect(adapt.cached).toBeGreaterThanOrEqual(4);
    expect(adapt.calls).toBe(adapt.requests - adapt.cached);
    expect(upstream.calls).toBe(callsAfterProbe);
  }, 60_000);
});
