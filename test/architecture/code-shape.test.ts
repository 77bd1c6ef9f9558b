import ts from "typescript";
import { describe, expect, it } from "vitest";
import { type SourceFile, sourceFiles } from "./source-files.js";

const maxFileLines = 400;
const longFunctionLines = 80;
const maxFunctionLines = 150;
/** The words a comment above a function over `longFunctionLines` lines must hold, with the reason. */
const longReasonMarker = /long because/i;

interface FunctionSpan {
  where: string;
  lines: number;
  explained: boolean;
}

function isFunctionWithBody(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return (
    (ts.isFunctionDeclaration(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isArrowFunction(node) ||
      ts.isFunctionExpression(node) ||
      ts.isConstructorDeclaration(node) ||
      ts.isGetAccessorDeclaration(node) ||
      ts.isSetAccessorDeclaration(node)) &&
    node.body !== undefined
  );
}

/** The name a function is known by: its own, or that of the variable or property it is assigned to. */
function functionName(node: ts.FunctionLikeDeclaration, source: ts.SourceFile): string {
  if (node.name !== undefined) return node.name.getText(source);
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) return parent.name.getText(source);
  return "(anonymous)";
}

/** The comments above a function, or above the statement that declares it (`export const f = () => …`). */
function leadingComments(node: ts.Node, text: string): string {
  let holder: ts.Node = node;
  while (
    holder.parent !== undefined &&
    (ts.isVariableDeclaration(holder.parent) ||
      ts.isVariableDeclarationList(holder.parent) ||
      ts.isVariableStatement(holder.parent) ||
      ts.isPropertyAssignment(holder.parent))
  ) {
    holder = holder.parent;
  }
  const ranges = ts.getLeadingCommentRanges(text, holder.getFullStart()) ?? [];
  return ranges.map((range) => text.slice(range.pos, range.end)).join("\n");
}

function functionSpans(file: SourceFile): FunctionSpan[] {
  const source = ts.createSourceFile(file.path, file.text, ts.ScriptTarget.Latest, true);
  const spans: FunctionSpan[] = [];
  const visit = (node: ts.Node): void => {
    if (isFunctionWithBody(node)) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.end).line;
      spans.push({
        where: `${file.path}:${first + 1} ${functionName(node, source)}`,
        lines: last - first + 1,
        explained: longReasonMarker.test(leadingComments(node, file.text)),
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return spans;
}

const files = sourceFiles("src", "bench");
const spans = files.flatMap(functionSpans);

describe("the shape of the code (src/ and bench/)", () => {
  it(`has no file over ${maxFileLines} lines`, () => {
    const long = files
      .map((file) => ({ path: file.path, lines: file.text.split("\n").length }))
      .filter((file) => file.lines > maxFileLines)
      .map((file) => `${file.path}: ${file.lines} lines`);
    expect(long).toEqual([]);
  });

  it(`has no function over ${maxFunctionLines} lines`, () => {
    const tooLong = spans
      .filter((span) => span.lines > maxFunctionLines)
      .map((span) => `${span.where}: ${span.lines}`);
    expect(tooLong).toEqual([]);
  });

  it(`says above every function over ${longFunctionLines} lines why it is long ("long because ...")`, () => {
    const unexplained = spans
      .filter((span) => span.lines > longFunctionLines && !span.explained)
      .map((span) => `${span.where}: ${span.lines} lines`);
    expect(unexplained).toEqual([]);
  });

  it("measures what it claims to (a long function is seen, a reason is read)", () => {
    const body = Array.from({ length: longFunctionLines + 5 }, (_, index) => `  const v${index} = ${index};`);
    const text = [
      "// long because a fixture must be",
      "export const explained = () => {",
      ...body,
      "};",
      "function unexplained() {",
      ...body,
      "}",
    ].join("\n");
    const measured = functionSpans({ path: "fixture.ts", text });
    expect(measured.map((span) => [span.where, span.lines > longFunctionLines, span.explained])).toEqual([
      ["fixture.ts:2 explained", true, true],
      [`fixture.ts:${longFunctionLines + 9} unexplained`, true, false],
    ]);
  });
});
