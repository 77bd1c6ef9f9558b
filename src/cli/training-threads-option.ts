import type { Command } from "commander";
import { z } from "zod";

/**
 * `--training-threads`, for the commands that train fold models: adapt, bench and refresh; stream
 * and serve's online mode for each refresh (`scope`, e.g. "online mode: each refresh's").
 */
export function addTrainingThreadsOption(command: Command, scope = "the"): Command {
  return command.option(
    "--training-threads <n>",
    `${scope} threads that train the cross-fitting's fold models (default n-gram model only), this one included; default one per core, at most 4, from 1,000 rows; 1 trains on the main thread alone: less memory, slower (same models either way)`,
  );
}

export const trainingThreadsOptionSchema = z.object({
  trainingThreads: z
    .string()
    .regex(/^[1-9]\d*$/, "--training-threads must be a whole number from 1")
    .transform(Number)
    .optional(),
});

/** `{ trainingThreads }` where the flag is given, else nothing (the default). */
export function trainingThreadsOf(options: z.output<typeof trainingThreadsOptionSchema>): {
  trainingThreads?: number;
} {
  return options.trainingThreads === undefined ? {} : { trainingThreads: options.trainingThreads };
}
