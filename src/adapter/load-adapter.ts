import { createEncoderByKind, encoderKindOf } from "../small-models/encoder-choice.js";
import type { LargeModel } from "../spec/large-model.js";
import type { SentenceEncoder } from "../text-encoders/sentence-encoder.js";
import { createTextEmbeddings } from "../text-encoders/text-embeddings.js";
import { type AdapterArtifact, loadAdapterArtifact } from "./adapter-artifact.js";
import { createAdapterRuntime, type LoadedAdapter } from "./adapter-runtime.js";

/** What `loadAdapter` may be given: the LM to call, and a sentence encoder. */
export interface LoadAdapterDependencies {
  /** The LM to call for routed inputs; without it routed inputs answer from the SSM (route "fallback"). */
  largeModel?: LargeModel | undefined;
  /**
   * The sentence encoder, for adapters whose small model uses one (default: the encoder the
   * adapter names, created here and released by `close()`).
   */
  encoder?: SentenceEncoder | undefined;
}

/** How many texts' vectors a loaded adapter keeps between `prepare` and `decide`. */
export const preparedTextsKept = 4096;

/**
 * Loads an adapter folder written by `adapt`: checks its manifest, format version and checksums,
 * and refuses anything broken or mismatched with an ArtifactError. Give it the LM the adapter was
 * calibrated against (`adapter.lmId` names it): without one, inputs routed to the LM are answered
 * by the small model with route "fallback". Call `close()` when done: it releases the sentence
 * encoder the adapter may have started.
 *
 * @example
 * ```ts
 * import { createOpenAICompatibleModel, loadAdapter } from "easy-adapt";
 *
 * const adapter = await loadAdapter("./adapter", {
 *   largeModel: createOpenAICompatibleModel({
 *     baseUrl: "https://api.openai.com/v1",
 *     model: "gpt-4o-mini",
 *     apiKey: process.env.OPENAI_API_KEY,
 *   }),
 * });
 * try {
 *   const prediction = await adapter.predict("My card was charged twice");
 *   console.log(prediction.label, prediction.route, prediction.confidence); // e.g. "billing" "ssm" 0.94
 *   const many = await adapter.predictBatch(["Love the new app", "It crashes on start"]);
 *   console.log(many.map((answer) => answer.label));
 * } finally {
 *   await adapter.close();
 * }
 * ```
 */
export async function loadAdapter(
  directory: string,
  dependencies: LoadAdapterDependencies = {},
): Promise<ClosableAdapter> {
  return adapterFromArtifact(await loadAdapterArtifact(directory), dependencies);
}

/** A loaded adapter that may hold a sentence encoder (worker threads): `close()` releases it. */
export type ClosableAdapter = LoadedAdapter & { close(): Promise<void> };

/** The runtime of an artifact already loaded (the CLI reads the artifact first, for its LM id). */
export async function adapterFromArtifact(
  artifact: AdapterArtifact,
  dependencies: LoadAdapterDependencies = {},
): Promise<ClosableAdapter> {
  const encoderKind = encoderKindOf(artifact.description.ssmKind, artifact.ssms);
  let encoder = dependencies.encoder;
  const ownsEncoder = encoderKind !== undefined && encoder === undefined;
  if (encoderKind !== undefined && encoder === undefined) encoder = await createEncoderByKind(encoderKind);
  const adapter = createAdapterRuntime({
    description: artifact.description,
    ssms: artifact.ssms,
    largeModel: dependencies.largeModel,
    embeddings:
      encoder === undefined ? undefined : createTextEmbeddings(encoder, { maxEntries: preparedTextsKept }),
  });
  return {
    ...adapter,
    ...(artifact.id === undefined ? {} : { id: artifact.id }),
    async close() {
      if (ownsEncoder) await encoder?.close();
    },
  };
}
