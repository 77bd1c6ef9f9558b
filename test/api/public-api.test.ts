import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";

// The public API is what src/index.ts exports. Every name there is a promise: it must have TSDoc,
// and docs/api.md must list it (name, kind, summary, declaring file), so that adding or removing
// a public name is always a visible, deliberate change.

const root = fileURLToPath(new URL("../..", import.meta.url));
const indexFile = path.join(root, "src", "index.ts");
const apiListFile = path.join(root, "docs", "api.md");

type ExportKind = "class" | "function" | "constant" | "type";

interface PublicExport {
  name: string;
  kind: ExportKind;
  /** The declaring file, relative to the repository root (the first declaration's). */
  file: string;
  documented: boolean;
}

interface ListedExport {
  name: string;
  kind: string;
  summary: string;
  file: string;
}

function compilerOptions(): ts.CompilerOptions {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    path.join(root, "tsconfig.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic(diagnostic) {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
      },
    },
  );
  if (parsed === undefined) throw new Error("tsconfig.json could not be read");
  // Exports and their comments need no type checking: leave the standard library and @types out (faster).
  return { ...parsed.options, noLib: true, types: [] };
}

/**
 * The program of src/index.ts and the source files it reaches. Only relative imports are followed:
 * every public declaration lives in src/, and skipping node_modules' typings keeps this fast (a
 * re-export of a package's name would fail loudly with "has no declaration").
 */
function createSourceProgram(): ts.Program {
  const options = compilerOptions();
  const host = ts.createCompilerHost(options, true);
  host.resolveModuleNames = (names, containingFile) =>
    names.map((name) =>
      name.startsWith(".")
        ? ts.resolveModuleName(name, containingFile, options, host).resolvedModule
        : undefined,
    );
  return ts.createProgram({ rootNames: [indexFile], options, host });
}

function kindOf(symbol: ts.Symbol): ExportKind {
  if (symbol.flags & ts.SymbolFlags.Class) return "class";
  if (symbol.flags & ts.SymbolFlags.Function) return "function";
  if (symbol.flags & ts.SymbolFlags.Variable) return "constant";
  return "type";
}

/** True when the declaration carries a JSDoc comment with text (a bare tag does not count). */
function hasTsDoc(declaration: ts.Declaration): boolean {
  return ts
    .getJSDocCommentsAndTags(declaration)
    .filter(ts.isJSDoc)
    .some((comment) => (ts.getTextOfJSDocComment(comment.comment) ?? "").trim() !== "");
}

/** Every export of src/index.ts, resolved through its re-exports to the declaration(s) it names. */
function readPublicExports(program: ts.Program): PublicExport[] {
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(indexFile);
  const moduleSymbol = source === undefined ? undefined : checker.getSymbolAtLocation(source);
  if (moduleSymbol === undefined) throw new Error(`${indexFile} is not a module`);
  return checker.getExportsOfModule(moduleSymbol).map((exported) => {
    const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const declarations = target.declarations ?? [];
    const first = declarations[0];
    if (first === undefined) throw new Error(`${exported.name} has no declaration`);
    return {
      name: exported.name,
      kind: kindOf(target),
      file: path.relative(root, first.getSourceFile().fileName).split(path.sep).join("/"),
      documented: declarations.some(hasTsDoc),
    };
  });
}

/** The rows of docs/api.md's tables: | `name` | kind | summary | [file](../file) | */
function readListedExports(): ListedExport[] {
  const rowPattern = /^\| `([^`]+)` \| ([a-z]+) \| (.*) \| \[([^\]]+)\]\([^)]*\) \|$/;
  const listed: ListedExport[] = [];
  for (const line of readFileSync(apiListFile, "utf8").split("\n")) {
    const match = rowPattern.exec(line);
    if (match === null) continue;
    const [, name = "", kind = "", summary = "", file = ""] = match;
    listed.push({ name, kind, summary: summary.trim(), file });
  }
  return listed;
}

function sorted(names: Iterable<string>): string[] {
  return [...names].sort((left, right) => left.localeCompare(right));
}

let program: ts.Program;
let exports: PublicExport[];
let listed: ListedExport[];

beforeAll(() => {
  program = createSourceProgram();
  exports = readPublicExports(program);
  listed = readListedExports();
});

describe("the public API (src/index.ts)", () => {
  it("names every export: no `export *`", () => {
    const source = program.getSourceFile(indexFile);
    const statements: readonly ts.Statement[] = source?.statements ?? [];
    const starExports = statements
      .filter((statement): statement is ts.ExportDeclaration => ts.isExportDeclaration(statement))
      .filter(
        (statement) => statement.exportClause === undefined || ts.isNamespaceExport(statement.exportClause),
      )
      .map((statement) => statement.getText());
    expect(starExports, "src/index.ts must name each export").toEqual([]);
  });

  it("has TSDoc on every export (on the declaration a re-export names)", () => {
    expect(exports.length).toBeGreaterThan(0);
    const undocumented = exports
      .filter((exported) => !exported.documented)
      .map((exported) => `${exported.name} (${exported.file})`);
    expect(undocumented, `public exports without TSDoc:\n  ${undocumented.join("\n  ")}\n`).toEqual([]);
  });

  it("is exactly the list in docs/api.md", () => {
    const exportedNames = new Set(exports.map((exported) => exported.name));
    const listedNames = new Set(listed.map((row) => row.name));
    const added = sorted([...exportedNames].filter((name) => !listedNames.has(name)));
    const removed = sorted([...listedNames].filter((name) => !exportedNames.has(name)));
    const message =
      "src/index.ts and docs/api.md disagree; update docs/api.md in the same change.\n" +
      `  exported but not listed in docs/api.md (added): ${added.join(", ") || "none"}\n` +
      `  listed in docs/api.md but not exported (removed): ${removed.join(", ") || "none"}\n`;
    expect({ added, removed }, message).toEqual({ added: [], removed: [] });
    expect(listed.length, "docs/api.md lists a name twice").toBe(listedNames.size);
  });

  it("lists each export's kind, declaring file and a summary in docs/api.md", () => {
    const byName = new Map(exports.map((exported) => [exported.name, exported]));
    const mismatches: string[] = [];
    for (const row of listed) {
      const exported = byName.get(row.name);
      if (exported === undefined) continue;
      if (row.kind !== exported.kind)
        mismatches.push(`${row.name}: kind "${row.kind}", is a ${exported.kind}`);
      if (row.file !== exported.file)
        mismatches.push(`${row.name}: file ${row.file}, declared in ${exported.file}`);
      if (row.summary === "") mismatches.push(`${row.name}: no summary`);
    }
    expect(mismatches, `docs/api.md rows out of date:\n  ${mismatches.join("\n  ")}\n`).toEqual([]);
  });
});
