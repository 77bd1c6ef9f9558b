import type { z } from "zod";
import { UsageError } from "../spec/errors/usage-error.js";

/** Checks a command's raw option values against its schema; a bad value is a usage error naming every issue. */
export function parseOptions<Schema extends z.ZodType>(
  schema: Schema,
  rawOptions: unknown,
): z.output<Schema> {
  const parsed = schema.safeParse(rawOptions);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((issue) => issue.message).join("; "));
  return parsed.data;
}
