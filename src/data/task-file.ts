import { readFile } from "node:fs/promises";
import { z } from "zod";
import { DataError } from "../spec/errors/data-error.js";
import type { Task } from "../spec/task.js";

const exampleSchema = z.strictObject({ text: z.string().min(1), label: z.string().min(1) });

/** task.json: unknown keys are refused (a typo like "lables" must not pass unnoticed). */
export const taskSchema = z
  .strictObject({
    name: z.string().trim().min(1, "must be a non-empty string"),
    labels: z
      .array(z.string().trim().min(1, "labels must be non-empty strings"))
      .min(2, "needs at least two labels")
      .refine((labels) => new Set(labels).size === labels.length, {
        message: "labels must be unique",
      }),
    instructions: z.string().optional(),
    examples: z.array(exampleSchema).optional(),
    /** A JSON Schema reference editors use; read and ignored. */
    $schema: z.string().optional(),
  })
  .superRefine((task, context) => {
    const labels = new Set(task.labels);
    task.examples?.forEach((example, index) => {
      if (!labels.has(example.label)) {
        context.addIssue({
          code: "custom",
          path: ["examples", index, "label"],
          message: `label "${example.label}" is not in labels`,
        });
      }
    });
  });

/** The keys an object in the task file may hold, by the path of that object. */
function allowedKeysAt(path: readonly PropertyKey[]): readonly string[] {
  return Object.keys(path[0] === "examples" ? exampleSchema.shape : taskSchema.shape);
}

/**
 * Validates a parsed task object; errors name the file and the field. An unknown key (a typo like
 * "lables") is reported first, with the keys allowed there: it usually explains a missing field.
 */
export function parseTask(value: unknown, file: string): Task {
  const result = taskSchema.safeParse(value);
  if (!result.success) {
    const unknownKeys = result.error.issues.find((issue) => issue.code === "unrecognized_keys");
    if (unknownKeys !== undefined) {
      const where = unknownKeys.path.length === 0 ? undefined : unknownKeys.path.join(".");
      const keys = unknownKeys.keys.map((key) => `"${key}"`).join(", ");
      const allowed = allowedKeysAt(unknownKeys.path).join(", ");
      throw new DataError(
        `invalid task file: ${where === undefined ? "" : `field "${where}": `}unknown key${unknownKeys.keys.length === 1 ? "" : "s"} ${keys} (allowed keys: ${allowed})`,
        where === undefined ? { file } : { file, column: where },
      );
    }
    const issue = result.error.issues[0];
    const field = issue === undefined || issue.path.length === 0 ? "(top level)" : issue.path.join(".");
    throw new DataError(`invalid task file: field "${field}": ${issue?.message ?? "invalid"}`, {
      file,
      column: field,
    });
  }
  const task: Task = { name: result.data.name, labels: result.data.labels };
  if (result.data.instructions !== undefined) task.instructions = result.data.instructions;
  if (result.data.examples !== undefined) task.examples = result.data.examples;
  return task;
}

/** Reads and validates `task.json`: `{ name, labels, instructions?, examples? }`. */
export async function loadTask(file: string): Promise<Task> {
  let source: string;
  try {
    source = await readFile(file, "utf8");
  } catch (error) {
    throw new DataError(`cannot read the task file: ${(error as Error).message}`, { file }, { cause: error });
  }
  let value: unknown;
  try {
    // Editors on Windows may save UTF-8 with a byte order mark; JSON.parse refuses it.
    value = JSON.parse(source.startsWith("\uFEFF") ? source.slice(1) : source);
  } catch (error) {
    throw new DataError(
      `the task file is not valid JSON: ${(error as Error).message}`,
      { file },
      { cause: error },
    );
  }
  return parseTask(value, file);
}
