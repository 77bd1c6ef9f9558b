import { z } from "zod";

/** Inputs per `/v1/classify` request at most. */
export const maxClassifyInputs = 4096;

/** `POST /v1/classify` body: `{"inputs": ["...", ...]}`, with an optional `model` that must be the task name. */
export const classifyRequestSchema = z.object({
  model: z.string().min(1).optional(),
  inputs: z.array(z.string()).min(1).max(maxClassifyInputs),
});

export type ClassifyRequestBody = z.infer<typeof classifyRequestSchema>;
