import { readFileSync } from "node:fs";

let cached: string | undefined;

/** This package's version (from package.json, two levels above both src/adapt and dist/adapt). */
export function libraryVersion(): string {
  if (cached !== undefined) return cached;
  try {
    const packageJson: unknown = JSON.parse(
      readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
    );
    cached =
      typeof packageJson === "object" && packageJson !== null && "version" in packageJson
        ? String(packageJson.version)
        : "0.0.0";
  } catch {
    cached = "0.0.0";
  }
  return cached;
}
