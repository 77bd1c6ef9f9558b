import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

// What `npm publish` would ship: the files package.json's `files` selects from the current tree
// (dist/ is built by `npm ci` through `prepare`). Studies, load benchmarks and tests must stay out.

const root = fileURLToPath(new URL("../..", import.meta.url));

interface PackEntry {
  files: { path: string }[];
}

/** The paths `npm pack` would put in the tarball, without building or running any script. */
async function packedPaths(): Promise<string[]> {
  const { stdout } = await promisify(execFile)("npm", ["pack", "--dry-run", "--ignore-scripts", "--json"], {
    cwd: root,
    maxBuffer: 64 * 1024 * 1024,
  });
  const entries = JSON.parse(stdout) as PackEntry[];
  return entries.flatMap((entry) => entry.files.map((file) => file.path));
}

const unpublished: { pattern: RegExp; what: string }[] = [
  { pattern: /^bench\//, what: "a study or load benchmark (bench/)" },
  { pattern: /^dist-bench\//, what: "a built study or load benchmark (dist-bench/)" },
  {
    pattern: /^dist\/bench\//,
    what: "a built benchmark left in dist/ (stale build? rm -rf dist && npm run build)",
  },
  { pattern: /^test\//, what: "a test or test fixture (test/)" },
  { pattern: /^dist\/test\//, what: "a built test" },
  { pattern: /\.test\.[cm]?[jt]s$/, what: "a test file" },
];

describe("the published package", () => {
  it("holds the library and no study, benchmark or test", async () => {
    const paths = await packedPaths();
    expect(paths, "dist/ is missing: build it first (npm run build)").toContain("dist/index.js");
    expect(paths).toContain("dist/cli/main.js");
    const offending = paths.flatMap((path) =>
      unpublished.filter(({ pattern }) => pattern.test(path)).map(({ what }) => `${path}: ${what}`),
    );
    expect(
      offending,
      `files that would be published but must not be:\n  ${offending.join("\n  ")}\n`,
    ).toEqual([]);
  });
});
