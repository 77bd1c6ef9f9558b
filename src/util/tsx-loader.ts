import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

/**
 * What a worker thread must import before `module` when it is TypeScript source (under tsx or the
 * tests): the URL of tsx's `register` API; undefined for a built `.js` module.
 */
export function tsxLoaderFor(module: URL): string | undefined {
  return module.pathname.endsWith(".ts")
    ? pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm/api")).href
    : undefined;
}
