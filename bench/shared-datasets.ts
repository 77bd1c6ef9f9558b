import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The `../shared/datasets` folder beside this checkout, or undefined when absent, for the studies and
 * load benchmarks: from bench/ (run with tsx) the checkout is one level up, from dist-bench/bench/
 * (the bench build) two. `sharedDatasetsDir` of src/data counts from src/data and dist/data, so from
 * dist-bench/src/data it looks one level too low.
 */
export function sharedDatasetsDir(): string | undefined {
  const fromSource = import.meta.url.endsWith(".ts");
  const relative = fromSource ? "../../shared/datasets" : "../../../shared/datasets";
  const candidate = fileURLToPath(new URL(relative, import.meta.url));
  return existsSync(candidate) ? candidate : undefined;
}
