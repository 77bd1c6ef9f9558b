/**
 * Decodes a byte stream as strict UTF-8, chunk by chunk. On an invalid sequence it returns the
 * text before it and the byte offset (from the start of the stream) of the bad sequence, so the
 * caller can parse that prefix first and name the exact row.
 */
export class Utf8ChunkDecoder {
  private decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  private pending: Uint8Array = new Uint8Array(0);
  private bytesBefore = 0;

  /** Decodes one chunk (`final` flushes the end of the stream). */
  decode(chunk: Uint8Array, final = false): { text: string; invalidAt?: number } {
    const bytes = this.pending.length === 0 ? chunk : concatBytes(this.pending, chunk);
    const start = this.bytesBefore;
    try {
      const text = this.decoder.decode(chunk, { stream: !final });
      this.bytesBefore += chunk.length;
      this.pending = final ? new Uint8Array(0) : trailingIncomplete(bytes);
      return { text };
    } catch {
      const badAt = firstInvalidOffset(bytes, final);
      const prefix = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes.subarray(0, badAt));
      return { text: prefix, invalidAt: start - (bytes.length - chunk.length) + badAt };
    }
  }
}

function concatBytes(first: Uint8Array, second: Uint8Array): Uint8Array {
  const joined = new Uint8Array(first.length + second.length);
  joined.set(first, 0);
  joined.set(second, first.length);
  return joined;
}

/** The last 0–3 bytes that begin a multi-byte sequence not yet complete. */
function trailingIncomplete(bytes: Uint8Array): Uint8Array {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? bytes.slice(bytes.length - back) : new Uint8Array(0);
  }
  return new Uint8Array(0);
}

/** Binary search for the shortest prefix a fatal decoder refuses: the bad sequence starts just before it. */
function firstInvalidOffset(bytes: Uint8Array, final: boolean): number {
  const fails = (length: number): boolean => {
    try {
      new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes.subarray(0, length), {
        stream: !(final && length === bytes.length),
      });
      return false;
    } catch {
      return true;
    }
  };
  let low = 0;
  let high = bytes.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (fails(middle)) high = middle;
    else low = middle + 1;
  }
  // `low` is the shortest failing length: the decoder saw the bad sequence at byte `low - 1`.
  return Math.max(0, low - 1);
}
