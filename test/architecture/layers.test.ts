import { describe, expect, it } from "vitest";
import { sourceFiles } from "./source-files.js";

/**
 * The rooms of src/ by layer: a folder may import only from folders of a lower layer (imports point
 * one way, downwards). docs/architecture.md draws the same picture.
 */
const layerOf: Record<string, number> = {
  spec: 0,
  learners: 0,
  text: 0,
  util: 1,
  data: 2,
  "text-encoders": 2,
  "large-models": 2,
  "small-models": 3,
  probe: 3,
  replay: 3,
  adapter: 4,
  fit: 5,
  evaluate: 5,
  adapt: 6,
  refresh: 7,
  benchmark: 8,
  serve: 8,
  online: 9,
  cli: 10,
};

const importPattern = /(?:from|import)\s*\(?\s*"(\.[^"]+)"/g;

/** The src folder a relative import from `path` lands in (undefined: src/index.ts or outside src). */
function importedFolder(path: string, specifier: string): string | undefined {
  const parts = path.split("/").slice(0, -1);
  for (const part of specifier.split("/")) {
    if (part === "..") parts.pop();
    else if (part !== ".") parts.push(part);
  }
  return parts[0] === "src" && parts.length > 2 ? parts[1] : undefined;
}

describe("the layers of src/", () => {
  const files = sourceFiles("src").filter((file) => file.path.split("/").length > 2);

  it("gives every folder a layer", () => {
    const folders = new Set(files.map((file) => file.path.split("/")[1]!));
    expect([...folders].filter((folder) => layerOf[folder] === undefined)).toEqual([]);
  });

  it("imports only from lower layers", () => {
    const upward: string[] = [];
    for (const file of files) {
      const folder = file.path.split("/")[1]!;
      for (const match of file.text.matchAll(importPattern)) {
        const target = importedFolder(file.path, match[1]!);
        if (target === undefined || target === folder) continue;
        if ((layerOf[target] ?? Number.POSITIVE_INFINITY) >= (layerOf[folder] ?? 0)) {
          upward.push(`${file.path} imports ${match[1]} (${folder} → ${target})`);
        }
      }
    }
    expect(upward).toEqual([]);
  });

  it("reads a relative import's folder", () => {
    expect(importedFolder("src/fit/stages/choose-gate.ts", "../../adapter/answer-gate.js")).toBe("adapter");
    expect(importedFolder("src/fit/fit-adaptation.ts", "./folds.js")).toBe("fit");
    expect(importedFolder("src/cli/main.ts", "../index.js")).toBeUndefined();
  });
});
