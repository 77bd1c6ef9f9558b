import { gunzipSync, gzipSync } from "node:zlib";
import { z } from "zod";
import { ArtifactError } from "../spec/errors/artifact-error.js";

/**
 * One row an adapter learnt from, kept in its folder (`training-rows.jsonl.gz`) so that `refresh`
 * can learn from it again: the text, its gold label when it had one, and the LM's answer when the
 * LM was asked (and answered within the task's labels).
 */
export interface KeptTrainingRow {
  text: string;
  label?: string;
  answer?: string;
}

/** The file of an adapter folder that keeps the rows it learnt from (listed in its manifest). */
export const trainingRowsFileName = "training-rows.jsonl.gz";

const keptRowSchema = z.object({
  text: z.string(),
  label: z.string().optional(),
  answer: z.string().optional(),
});

/** The rows as gzipped JSON lines. */
export function encodeTrainingRows(rows: readonly KeptTrainingRow[]): Buffer {
  let text = "";
  for (const row of rows) text += `${JSON.stringify(row)}\n`;
  return gzipSync(Buffer.from(text, "utf8"));
}

/** The rows of a `training-rows.jsonl.gz` file; an ArtifactError naming `path` when it is broken. */
export function decodeTrainingRows(content: Buffer, path: string): KeptTrainingRow[] {
  let text: string;
  try {
    text = gunzipSync(content).toString("utf8");
  } catch (error) {
    throw new ArtifactError("the kept training rows are not valid gzip", path, { cause: error });
  }
  const rows: KeptTrainingRow[] = [];
  for (const [index, line] of text.split("\n").entries()) {
    if (line === "") continue;
    let parsed: ReturnType<typeof keptRowSchema.safeParse> | undefined;
    try {
      parsed = keptRowSchema.safeParse(JSON.parse(line));
    } catch {
      parsed = undefined;
    }
    if (parsed?.success !== true)
      throw new ArtifactError(`line ${index + 1} is not a kept training row`, path);
    const { text: rowText, label, answer } = parsed.data;
    rows.push({
      text: rowText,
      ...(label === undefined ? {} : { label }),
      ...(answer === undefined ? {} : { answer }),
    });
  }
  return rows;
}
