import type { Context } from "hono";
import { invalidJson } from "./openai/request-errors.js";
import { readRequestText } from "./read-request-text.js";

/** The request body parsed as JSON, at most `maxBytes` long (else a 413); a 400 when it is not JSON. */
export async function readJsonBody(context: Context, maxBytes: number): Promise<unknown> {
  const text = await readRequestText(context, maxBytes);
  try {
    return JSON.parse(text);
  } catch {
    throw invalidJson();
  }
}
