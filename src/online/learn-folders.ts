import { mkdir, readdir, rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { realFolder } from "../util/real-folder.js";

/** How many refreshed adapter folders the learn folder keeps (the newest ones). */
export const refreshFoldersKept = 3;

const folderPattern = /^refresh-(\d+)$/;

/**
 * Where online mode keeps the adapters it builds when `--learn-dir` is not given: a folder beside
 * the served one, `<served folder>.learned` (the served folder itself is never written).
 */
export function defaultLearnDir(servedDirectory: string): string {
  const absolute = resolve(servedDirectory);
  return join(dirname(absolute), `${basename(absolute)}.learned`);
}

/** The learn folder's refreshed adapters, `refresh-0001`, `refresh-0002`, ...: hands out the next one and prunes old ones. */
export interface RefreshFolders {
  /** The next folder to write a refreshed adapter into (numbered after every one already there). */
  next(): string;
  /**
   * Removes all but the newest `refreshFoldersKept` folders, and never one of `spared` (a folder
   * being served, or the one the next refresh starts from, whatever its number).
   */
  prune(spared: readonly string[]): Promise<void>;
}

/** The refresh folders of `learnDir` (created when missing). */
export async function openRefreshFolders(learnDir: string): Promise<RefreshFolders> {
  await mkdir(learnDir, { recursive: true });
  const numbers = async () =>
    (await readdir(learnDir))
      .map((name) => folderPattern.exec(name)?.[1])
      .filter((digits): digits is string => digits !== undefined)
      .map(Number)
      .sort((left, right) => left - right);
  let last = (await numbers()).at(-1) ?? 0;
  return {
    next() {
      last += 1;
      return join(learnDir, `refresh-${String(last).padStart(4, "0")}`);
    },
    async prune(spared) {
      const keep = new Set(spared.map(realFolder));
      const present = await numbers();
      for (const number of present.slice(0, Math.max(0, present.length - refreshFoldersKept))) {
        const folder = join(learnDir, `refresh-${String(number).padStart(4, "0")}`);
        if (keep.has(realFolder(folder))) continue;
        await rm(folder, { recursive: true, force: true });
      }
    },
  };
}
