import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root folder. */
export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** A TypeScript source file of the repository: its path from the root and its text. */
export interface SourceFile {
  path: string;
  text: string;
}

/** Every `.ts` file (declaration files excepted) under the given folders, paths relative to the root. */
export function sourceFiles(...folders: string[]): SourceFile[] {
  const files: SourceFile[] = [];
  const visit = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) {
        files.push({ path: relative(repoRoot, path), text: readFileSync(path, "utf8") });
      }
    }
  };
  for (const folder of folders) visit(join(repoRoot, folder));
  return files.sort((left, right) => left.path.localeCompare(right.path));
}
