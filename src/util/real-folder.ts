import { realpathSync } from "node:fs";
import { resolve } from "node:path";

/** A folder's real path (symbolic links followed), or its absolute path when it is not there: two paths name one folder when these are equal. */
export function realFolder(folder: string): string {
  try {
    return realpathSync(folder);
  } catch {
    return resolve(folder);
  }
}
