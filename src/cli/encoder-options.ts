import { resolve } from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import type { BenchOptions } from "../benchmark/benchmark.js";
import { encoderChoices } from "../small-models/encoder-choice.js";

export const defaultEmbeddingCacheFile = ".easy-adapt/embeddings.sqlite";

/** `--encoder` and `--embedding-cache`, for the commands that train a small model. */
export function addEncoderOptions(command: Command): Command {
  return command
    .option(
      "--encoder <name>",
      `blend a sentence encoder into the small model: ${encoderChoices.join(" | ")} ("use-lite": the Universal Sentence Encoder lite, installed with easy-adapt; about 1 ms of CPU per word to encode, cached per text)`,
      "none",
    )
    .option(
      "--encoder-workers <n>",
      "threads that encode, each holding its own copy of the model (~250 MB); default 2 on 2+ cores, 1 encodes on the main thread",
    )
    .option(
      "--embedding-cache <file>",
      `SQLite file keeping each text's vector (default ${defaultEmbeddingCacheFile})`,
    );
}

export const encoderOptionsSchema = z.object({
  encoder: z
    .enum(encoderChoices, { error: `--encoder must be one of: ${encoderChoices.join(", ")}` })
    .default("none"),
  embeddingCache: z.string().min(1).default(defaultEmbeddingCacheFile),
  encoderWorkers: z
    .string()
    .regex(/^[1-9]\d*$/, "--encoder-workers must be a whole number from 1")
    .transform(Number)
    .optional(),
});

/** The bench options the encoder flags stand for (none with `--encoder none`). */
export function benchEncoderOptions(
  options: z.output<typeof encoderOptionsSchema>,
): Pick<BenchOptions, "encoder" | "embeddingCacheFile" | "encoderWorkers"> {
  if (options.encoder === "none") return {};
  return {
    encoder: options.encoder,
    embeddingCacheFile: resolve(options.embeddingCache),
    ...(options.encoderWorkers === undefined ? {} : { encoderWorkers: options.encoderWorkers }),
  };
}
