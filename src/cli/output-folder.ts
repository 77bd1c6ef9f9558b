import { mkdir, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { UsageError } from "../spec/errors/usage-error.js";

/**
 * Makes sure `path` is a folder the command can write into, creating it (and missing parents)
 * before any paid or long work starts, so that a wrong `--out` fails at once with a plain message
 * instead of after the work. Folders are created one level at a time: Node 20's recursive mkdir
 * never returns on some paths (under /proc). Returns the absolute path.
 */
export async function prepareOutputFolder(path: string, flag = "--out"): Promise<string> {
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
  for (const folder of missing) {
    try {
      await mkdir(folder);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EEXIST" && (await kindOf(folder)) === "folder") continue;
      throw new UsageError(`cannot create the ${flag} folder ${path}: ${code ?? String(error)}`);
    }
  }
  return target;
}

async function kindOf(path: string): Promise<"folder" | "other" | "missing"> {
  try {
    return (await stat(path)).isDirectory() ? "folder" : "other";
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ENOTDIR: some parent is a file; walking up finds which one.
    if (code === "ENOENT" || code === "ENOTDIR") return "missing";
    throw new UsageError(`cannot use ${path}: ${code ?? String(error)}`);
  }
}
