import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { z } from "zod";
import type { Outcomes } from "./outcomes.js";

/** The out-of-fold outcomes of every scenario fitted so far, by scenario name. */
export type OutcomeCache = Map<string, Outcomes>;

const cachedOutcomesSchema = z.record(
  z.string(),
  z.object({
    scores: z.array(z.number()),
    ssmRight: z.array(z.number()),
    gatedRight: z.array(z.number()),
    lmRight: z.array(z.number()),
  }),
);

/** The cache file's outcomes; empty when there is no file (or `cacheFile` is ""). */
export async function readOutcomeCache(cacheFile: string): Promise<OutcomeCache> {
  const cache: OutcomeCache = new Map();
  if (cacheFile === "" || !existsSync(cacheFile)) return cache;
  const parsed = cachedOutcomesSchema.parse(JSON.parse(await readFile(cacheFile, "utf8")));
  for (const [name, entry] of Object.entries(parsed)) {
    cache.set(name, {
      scores: Float64Array.from(entry.scores),
      ssmRight: Uint8Array.from(entry.ssmRight),
      gatedRight: Uint8Array.from(entry.gatedRight),
      lmRight: Uint8Array.from(entry.lmRight),
    });
  }
  return cache;
}

/** Writes the whole cache as JSON (nothing when `cacheFile` is ""). */
export async function writeOutcomeCache(cacheFile: string, cache: OutcomeCache): Promise<void> {
  if (cacheFile === "") return;
  const plain = Object.fromEntries(
    [...cache].map(([name, outcomes]) => [
      name,
      {
        scores: Array.from(outcomes.scores),
        ssmRight: Array.from(outcomes.ssmRight),
        gatedRight: Array.from(outcomes.gatedRight),
        lmRight: Array.from(outcomes.lmRight),
      },
    ]),
  );
  await writeFile(cacheFile, JSON.stringify(plain));
}
