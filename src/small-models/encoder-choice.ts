import { ArtifactError } from "../spec/errors/artifact-error.js";
import { withEmbeddingCache } from "../text-encoders/cached-encoder.js";
import { openEmbeddingCache } from "../text-encoders/embedding-cache.js";
import type { SentenceEncoder } from "../text-encoders/sentence-encoder.js";
import { createUseLiteEncoder } from "../text-encoders/use-lite-encoder.js";
import { NgramEmbeddingBlend } from "./ngram-embedding-blend.js";

/** The sentence encoders a small model can blend in ("none": the n-gram model alone). */
export const encoderChoices = ["none", "use-lite"] as const;
export type EncoderChoice = (typeof encoderChoices)[number];
/** A sentence encoder `createEncoderByKind` can create. */
export type EncoderKind = Exclude<EncoderChoice, "none">;

const encoderFactories: Record<EncoderKind, (workers?: number) => Promise<SentenceEncoder>> = {
  "use-lite": (workers) => createUseLiteEncoder(workers === undefined ? {} : { workers }),
};

/** The encoder an adapter's small models need, from the id they were trained with; undefined: none. */
export function encoderKindOf(ssmKind: string, ssms: readonly unknown[]): EncoderKind | undefined {
  const blend = ssms.find((ssm): ssm is NgramEmbeddingBlend => ssm instanceof NgramEmbeddingBlend);
  if (blend === undefined) return undefined;
  if (blend.encoderId.startsWith("use-lite")) return "use-lite";
  throw new ArtifactError(
    `the ${ssmKind} small model was built with the sentence encoder "${blend.encoderId}", which this easy-adapt does not offer`,
    "adapter.json",
  );
}

/**
 * Creates the encoder (its model loads here, about a second); with `cacheFile`, vectors are kept
 * in that SQLite file per text, so texts encoded once are never encoded again (`adapt` uses it for
 * the training rows). `workers`: encoding threads, each with its own copy of the model (~250 MB;
 * default 2 where there are 2 cores; 1 encodes on the calling thread).
 */
export async function createEncoderByKind(
  kind: EncoderKind,
  options: { cacheFile?: string; workers?: number } = {},
): Promise<SentenceEncoder> {
  const encoder = await encoderFactories[kind](options.workers);
  if (options.cacheFile === undefined) return encoder;
  return withEmbeddingCache(encoder, openEmbeddingCache(options.cacheFile));
}
