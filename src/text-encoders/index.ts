export { type EmbeddingCacheOptions, withEmbeddingCache } from "./cached-encoder.js";
export { type EmbeddingCache, openEmbeddingCache } from "./embedding-cache.js";
export type { EncodeOptions, SentenceEncoder } from "./sentence-encoder.js";
export {
  createTextEmbeddings,
  type TextEmbeddings,
  type TextEmbeddingsOptions,
} from "./text-embeddings.js";
export { createUseLiteEncoder, type UseLiteEncoderOptions } from "./use-lite-encoder.js";
