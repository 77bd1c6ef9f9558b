import { mkdir, readdir, rm, rmdir, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
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

/** The files of an adapter folder (see src/adapt/adapter-artifact.ts); either marker makes a folder one. */
const adapterMarkerFiles = ["manifest.json", "adapter.json"];
const adapterFilePattern = /^(manifest\.json|adapter\.json|calibration\.json|ssm-[1-9]\d*\.bin)$/;

/** The adapter folder `adapt` writes into, as `openAdapterFolder` prepared it. */
export interface AdapterOutputFolder extends OutputFolder {
  /** True when the folder already holds an adapter, which the new one replaces. */
  replacing: boolean;
  /** Removes the previous adapter's files (call it just before writing the new adapter). */
  clearPreviousAdapter(): Promise<void>;
}

/**
 * Prepares the `--out` folder of `adapt`: a missing or empty folder is used as is; a folder that
 * holds an adapter is replaced (`replacing`); any other non-empty folder is refused with a
 * UsageError, so that files there are never mixed with an adapter's or overwritten.
 */
export async function openAdapterFolder(path: string, flag = "--out"): Promise<AdapterOutputFolder> {
  const folder = await openOutputFolder(path, flag);
  const entries = await listFolder(folder.path, path, flag);
  const replacing = entries.some((entry) => adapterMarkerFiles.includes(entry));
  if (entries.length > 0 && !replacing) {
    throw new UsageError(
      `${flag} ${path} is not empty and holds no adapter (no manifest.json or adapter.json): ` +
        "choose a new or empty folder, or an adapter folder to replace",
    );
  }
  return {
    ...folder,
    replacing,
    clearPreviousAdapter: async () => {
      if (!replacing) return;
      for (const entry of await listFolder(folder.path, path, flag)) {
        if (adapterFilePattern.test(entry)) await rm(join(folder.path, entry), { force: true });
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
