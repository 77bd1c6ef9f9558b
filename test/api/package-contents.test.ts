import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

// What `npm publish` would ship: the files package.json's `files` selects from the current tree
// (dist/ is built by `npm ci` through `prepare`). Studies, load benchmarks and tests must stay out.

const root = fileURLToPath(new URL("../..", import.meta.url));

interface PackEntry {
  files: { path: string }[];
}

let packing: Promise<string[]> | undefined;

/** The paths `npm pack` would put in the tarball (asked once per file), without building or running any script. */
function packedPaths(): Promise<string[]> {
  packing ??= listPackedPaths();
  return packing;
}

async function listPackedPaths(): Promise<string[]> {
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

describe("the package's entry points and licence", () => {
  it("ships the MIT LICENSE file package.json names", async () => {
    const paths = await packedPaths();
    expect(paths).toContain("LICENSE");
    const license = await readFile(join(root, "LICENSE"), "utf8");
    const packageJson = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as { license: string };
    expect(packageJson.license).toBe("MIT");
    expect(license).toMatch(/^MIT License/);
    expect(license).toContain("easy-adapt contributors");
  });

  it("loads from CommonJS by the package name: require('easy-adapt') gets the public functions", async () => {
    const folder = await mkdtemp(join(tmpdir(), "easy-adapt-cjs-"));
    try {
      // A consumer's folder: node_modules/easy-adapt is this package (dist/ built by `npm run build`).
      await mkdir(join(folder, "node_modules"));
      await symlink(root, join(folder, "node_modules", "easy-adapt"), "dir");
      const script = join(folder, "consumer.cjs");
      await writeFile(
        script,
        [
          'const easyAdapt = require("easy-adapt");',
          "const names = ['adapt', 'loadAdapter', 'loadRows', 'loadTask', 'createOpenAICompatibleModel'];",
          "process.stdout.write(JSON.stringify(names.map((name) => [name, typeof easyAdapt[name]])));",
        ].join("\n"),
      );
      const { stdout } = await promisify(execFile)(process.execPath, [script], { cwd: folder });
      expect(Object.fromEntries(JSON.parse(stdout) as [string, string][])).toEqual({
        adapt: "function",
        loadAdapter: "function",
        loadRows: "function",
        loadTask: "function",
        createOpenAICompatibleModel: "function",
      });
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }, 30_000);
});
