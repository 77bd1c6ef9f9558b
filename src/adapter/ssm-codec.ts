import { decodeArtifact } from "../small-models/model-artifact.js";
import { NGRAM_EMBEDDING_BLEND_KIND, NgramEmbeddingBlend } from "../small-models/ngram-embedding-blend.js";
import { NGRAM_LINEAR_KIND, NgramLinearModel } from "../small-models/ngram-linear-model.js";
import type { TrainedSsm } from "../small-models/ssm-trainer.js";
import { ArtifactError } from "../spec/errors/artifact-error.js";

/** How an SSM kind is stored inside an adapter folder (its own versioned, checksummed format). */
export interface SsmCodec {
  kind: string;
  save(model: TrainedSsm, path: string): Promise<void>;
  /** Builds the model from a file's bytes already read (and checksum-verified) by the caller. */
  decode(bytes: Uint8Array, path: string): TrainedSsm;
}

const ngramLinearCodec: SsmCodec = {
  kind: NGRAM_LINEAR_KIND,
  async save(model, path) {
    if (!(model instanceof NgramLinearModel)) throw new TypeError(`not an ${NGRAM_LINEAR_KIND} model`);
    await model.save(path);
  },
  decode(bytes, path) {
    const { header, arrays } = decodeArtifact(bytes, path);
    return NgramLinearModel.fromArtifact(header, arrays, path);
  },
};

const ngramEmbeddingBlendCodec: SsmCodec = {
  kind: NGRAM_EMBEDDING_BLEND_KIND,
  async save(model, path) {
    if (!(model instanceof NgramEmbeddingBlend))
      throw new TypeError(`not an ${NGRAM_EMBEDDING_BLEND_KIND} model`);
    await model.save(path);
  },
  decode(bytes, path) {
    const { header, arrays } = decodeArtifact(bytes, path);
    return NgramEmbeddingBlend.fromArtifact(header, arrays, path);
  },
};

const codecs = new Map<string, SsmCodec>(
  [ngramLinearCodec, ngramEmbeddingBlendCodec].map((codec) => [codec.kind, codec]),
);

export function ssmCodecFor(kind: string, path: string): SsmCodec {
  const codec = codecs.get(kind);
  if (codec === undefined) throw new ArtifactError(`unknown small-model kind "${kind}"`, path);
  return codec;
}
