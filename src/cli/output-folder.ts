import { mkdir, mkdtemp, readdir, rename, rm, rmdir, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { listAdapterFiles } from "../adapter/adapter-artifact.js";
import { UsageError } from "../spec/errors/usage-error.js";
import { nodeErrorCode } from "../util/node-error-code.js";

/** A folder a command writes into, as `openOutputFolder` prepared it. */
export interface OutputFolder {
  /** The absolute path. */
  path: string;
  /** True when the folder did not exist and `openOutputFolder` created it. */
  created: boolean;
  /**
   * For a command that failed: removes the folders `openOutputFolder` created (the folder, then
   * the parents it created) as long as they are still empty; anything holding a file is kept.
   * Never throws.
   */
  discardIfEmpty(): Promise<void>;
}

/**
 * Makes sure `path` is a folder the command can write into, creating it (and missing parents)
 * before any paid or long work starts, so that a wrong `--out` fails at once with a plain message
 * instead of after the work. Folders are created one level at a time: Node 20's recursive mkdir
 * never returns on some paths (under /proc). Files already there are kept (report folders are
 * rewritten in place). Says whether it created the folder, so that a failed run can undo that.
 */
export async function openOutputFolder(path: string, flag = "--out"): Promise<OutputFolder> {
  const target = resolve(path);
  const missing: string[] = [];
  let current = target;
  for (;;) {
    const kind = await kindOf(current);
    if (kind === "folder") break;
    if (kind === "other") {
      throw new UsageError(
        current === target
          ? `${flag} ${path} is a file, not a folder`
          : `${flag} ${path}: ${current} is a file, not a folder`,
      );
    }
    missing.unshift(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  const created: string[] = [];
  for (const folder of missing) {
    try {
      await mkdir(folder);
      created.push(folder);
    } catch (error) {
      const code = nodeErrorCode(error);
      if (code === "EEXIST" && (await kindOf(folder)) === "folder") continue;
      throw new UsageError(`cannot create the ${flag} folder ${path}: ${code ?? String(error)}`);
    }
  }
  return {
    path: target,
    created: created.includes(target),
    discardIfEmpty: async () => {
      // Deepest first; rmdir removes only empty folders, so the first one holding anything stops it.
      for (const folder of [...created].reverse()) {
        try {
          await rmdir(folder);
        } catch {
          return;
        }
      }
    },
  };
}

/** The adapter folder `adapt` writes into, as `openAdapterFolder` prepared it. */
export interface AdapterOutputFolder extends OutputFolder {
  /** True when the folder already holds an easy-adapt adapter, which the new one replaces. */
  replacing: boolean;
  /**
   * Writes the new adapter: `save` writes it into a staging folder inside this one; only once it has
   * succeeded are the previous adapter's files (those its manifest lists) removed and the new ones
   * moved in, the manifest last. A failed `save` leaves the previous adapter as it was.
   */
  writeAdapter(save: (directory: string) => Promise<void>): Promise<void>;
}

/**
 * Prepares the `--out` folder of `adapt`: a missing or empty folder is used as is; a folder that
 * holds an easy-adapt adapter (its manifest.json says so) is replaced (`replacing`), other files
 * there kept; any other non-empty folder is refused with a UsageError, so that files there are
 * never mixed with an adapter's or overwritten.
 */
export async function openAdapterFolder(path: string, flag = "--out"): Promise<AdapterOutputFolder> {
  const folder = await openOutputFolder(path, flag);
  const entries = await listFolder(folder.path, path, flag);
  const previous = entries.length === 0 ? undefined : await listAdapterFiles(folder.path);
  if (entries.length > 0 && previous === undefined) {
    throw new UsageError(
      `${flag} ${path} is not empty and holds no easy-adapt adapter (no manifest.json of one): ` +
        "choose a new or empty folder, or an adapter folder to replace",
    );
  }
  return {
    ...folder,
    replacing: previous !== undefined,
    writeAdapter: async (save) => {
      const staging = await mkdtemp(join(folder.path, ".easy-adapt-staging-"));
      try {
        await save(staging);
        for (const file of previous ?? []) await rm(join(folder.path, file), { force: true });
        const written = await readdir(staging);
        const manifestLast = [...written.filter((file) => file !== "manifest.json"), "manifest.json"];
        for (const file of manifestLast) {
          if (written.includes(file)) await rename(join(staging, file), join(folder.path, file));
        }
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
    },
  };
}

async function listFolder(folder: string, path: string, flag: string): Promise<string[]> {
  try {
    return await readdir(folder);
  } catch (error) {
    throw new UsageError(`cannot read the ${flag} folder ${path}: ${nodeErrorCode(error) ?? String(error)}`);
  }
}

async function kindOf(path: string): Promise<"folder" | "other" | "missing"> {
  try {
    return (await stat(path)).isDirectory() ? "folder" : "other";
  } catch (error) {
    const code = nodeErrorCode(error);
    // ENOTDIR: some parent is a file; walking up finds which one.
    if (code === "ENOENT" || code === "ENOTDIR") return "missing";
    throw new UsageError(`cannot use ${path}: ${code ?? String(error)}`);
  }
}
