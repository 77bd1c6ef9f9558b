import { z } from "zod";
import { isEmptyText, isTooLong, tooLongMessage } from "./input-text.js";

/** Inputs per `/v1/classify` request at most. */
export const maxClassifyInputs = 4096;

/** `POST /v1/classify` body: `{"inputs": ["...", ...]}`, with an optional `model` that picks the served model (required when the server serves several). */
export const classifyRequestSchema = z.object({
  model: z.string().min(1).optional(),
  inputs: z.array(z.string()).min(1).max(maxClassifyInputs),
});

export type ClassifyRequestBody = z.infer<typeof classifyRequestSchema>;

/** `inputs[1]: empty text` (and how many more are empty), or undefined when no input is empty. */
export function emptyInputsMessage(inputs: readonly string[]): string | undefined {
  let first: number | undefined;
  let count = 0;
  for (let index = 0; index < inputs.length; index += 1) {
    if (!isEmptyText(inputs[index]!)) continue;
    first ??= index;
    count += 1;
  }
  if (first === undefined) return undefined;
  const more = count - 1;
  return `inputs[${first}]: empty text${more === 0 ? "" : ` (and ${more} more empty input${more === 1 ? "" : "s"})`}`;
}

/**
 * `inputs[2]: the input is N characters long; ...` for the first input over `maxChars` characters
 * (and how many more are), or undefined when none is.
 */
export function tooLongInputsMessage(inputs: readonly string[], maxChars: number): string | undefined {
  let first: number | undefined;
  let count = 0;
  for (let index = 0; index < inputs.length; index += 1) {
    if (!isTooLong(inputs[index]!, maxChars)) continue;
    first ??= index;
    count += 1;
  }
  if (first === undefined) return undefined;
  const more = count - 1;
  const message = tooLongMessage(`inputs[${first}]`, inputs[first]!, maxChars);
  return more === 0 ? message : `${message} (And ${more} more input${more === 1 ? "" : "s"} over the limit.)`;
}
