import { z } from "zod";
import { DataError } from "../spec/errors/data-error.js";

/** The fields of a decision-log line (`serve --log`) that `refresh` reads; the others are ignored. */
const decisionLineSchema = z.object({
  inputSha256: z.string(),
  route: z.enum(["ssm", "lm", "fallback"]),
  label: z.string(),
  task: z.string().optional(),
  input: z.string().optional(),
  lmAnswer: z.string().optional(),
  cutOff: z.string().optional(),
});

/** One decision-log line, as `refresh` reads it. */
export type DecisionLine = z.output<typeof decisionLineSchema>;

/**
 * One line of a decision log as a decision; a DataError naming the file, the line and what is wrong
 * with it (not JSON, not an object, a field missing or of the wrong type) when it is not one.
 */
export function parseDecisionLine(text: string, file: string, lineNumber: number): DecisionLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new DataError(`line ${lineNumber} is not JSON: not a decision log written by serve --log`, {
      file,
    });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new DataError(
      `line ${lineNumber} is not a decision (not a JSON object): not a decision log written by serve --log`,
      { file },
    );
  }
  const parsed = decisionLineSchema.safeParse(value);
  if (!parsed.success) {
    const fields = value as Record<string, unknown>;
    const problems = parsed.error.issues.map((issue) => fieldProblem(issue.path, fields, issue.code));
    throw new DataError(
      `line ${lineNumber} is not a decision (${[...new Set(problems)].join("; ")}): not a decision log written by serve --log`,
      { file },
    );
  }
  return parsed.data;
}

/** What is wrong with one field, e.g. `no route` or `lmAnswer is a number, not a string`. */
function fieldProblem(path: readonly PropertyKey[], fields: Record<string, unknown>, code: string): string {
  const name = String(path[0] ?? "");
  const value = fields[name];
  if (value === undefined) return `no ${name}`;
  if (name === "route" && code === "invalid_value")
    return `route ${JSON.stringify(value)} is not ssm, lm or fallback`;
  const kind = value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
  return `${name} is ${kind}, not a string`;
}
