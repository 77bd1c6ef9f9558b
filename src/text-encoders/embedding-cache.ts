import { createHash } from "node:crypto";
import { ArtifactError } from "../spec/errors/artifact-error.js";
import { openSqliteCacheFile } from "../util/sqlite-cache-file.js";

/**
 * Text vectors on disk: a SQLite file (WAL) keyed by encoder id and the sha256 of the exact text.
 * Vectors are stored as raw little-endian float32 bytes, so a round trip is bit-exact.
 */
export interface EmbeddingCache {
  readonly path: string;
  /** The stored vector of each text under `encoderId`, or undefined where none is stored. */
  getMany(encoderId: string, texts: readonly string[]): (Float32Array | undefined)[];
  /** Stores `texts.length` vectors (row-major in `vectors`), in one transaction. */
  putMany(encoderId: string, texts: readonly string[], vectors: Float32Array, dimensions: number): void;
  /** Number of stored vectors (all encoders). */
  size(): number;
  close(): void;
}

const schemaVersion = 1;

export function textHash(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** Opens (or creates) the embedding cache at `path`, a SQLite file; `close()` it when done. */
export function openEmbeddingCache(path: string): EmbeddingCache {
  const database = openSqliteCacheFile(path, "embedding cache", {
    version: schemaVersion,
    createTables: `CREATE TABLE IF NOT EXISTS embeddings (
      encoder_id TEXT NOT NULL,
      text_sha256 BLOB NOT NULL,
      vector BLOB NOT NULL,
      PRIMARY KEY (encoder_id, text_sha256)
    ) WITHOUT ROWID`,
  });

  const select = database
    .prepare<[string, Buffer], Buffer>(
      "SELECT vector FROM embeddings WHERE encoder_id = ? AND text_sha256 = ?",
    )
    .pluck();
  const insert = database.prepare<[string, Buffer, Buffer]>(
    "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)",
  );
  const count = database.prepare<[], number>("SELECT count(*) FROM embeddings").pluck();

  const readMany = database.transaction((encoderId: string, texts: readonly string[]) =>
    texts.map((text) => {
      const blob = select.get(encoderId, textHash(text));
      if (blob === undefined) return undefined;
      if (blob.byteLength % Float32Array.BYTES_PER_ELEMENT !== 0) {
        throw new ArtifactError(`a stored vector of encoder ${encoderId} has ${blob.byteLength} bytes`, path);
      }
      const vector = new Float32Array(blob.byteLength / Float32Array.BYTES_PER_ELEMENT);
      new Uint8Array(vector.buffer).set(blob);
      return vector;
    }),
  );
  const writeMany = database.transaction(
    (encoderId: string, texts: readonly string[], vectors: Float32Array, dimensions: number) => {
      texts.forEach((text, index) => {
        const bytes = Buffer.from(
          vectors.buffer,
          vectors.byteOffset + index * dimensions * Float32Array.BYTES_PER_ELEMENT,
          dimensions * Float32Array.BYTES_PER_ELEMENT,
        );
        insert.run(encoderId, textHash(text), bytes);
      });
    },
  );

  return {
    path,
    getMany: (encoderId, texts) => readMany(encoderId, texts),
    putMany(encoderId, texts, vectors, dimensions) {
      if (vectors.length !== texts.length * dimensions) {
        throw new RangeError(
          `putMany: ${vectors.length} numbers for ${texts.length} texts × ${dimensions} dimensions`,
        );
      }
      writeMany(encoderId, texts, vectors, dimensions);
    },
    size: () => count.get() ?? 0,
    close() {
      if (database.open) database.close();
    },
  };
}
