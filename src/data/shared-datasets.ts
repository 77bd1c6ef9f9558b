import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The `../shared/datasets` folder beside this repository's checkout (resolved from the package
 * root, which is two levels above both `src/data` and `dist/data`), or undefined when absent.
 */
export function sharedDatasetsDir(): string | undefined {
  const candidate = fileURLToPath(new URL("../../../shared/datasets", import.meta.url));
  return existsSync(candidate) ? candidate : undefined;
}
