import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { createGunzip } from "node:zlib";
import { DataError } from "../spec/errors/data-error.js";
import { nodeErrorCode } from "../util/node-error-code.js";

/** One line of a decision log: its text (without the line break), number (from 1) and whether a line break ended it. */
export interface LogLine {
  text: string;
  number: number;
  /** False only for a last line the file ends in without a line break (e.g. a server killed mid-write). */
  terminated: boolean;
}

/** The first bytes of every gzip stream (RFC 1952). */
const gzipMagic = [0x1f, 0x8b] as const;

/**
 * The lines of a decision log, streamed: plain, or gzip-compressed (told by its first two bytes,
 * whatever its name: logrotate's `compress` writes `FILE.1.gz`). A file that cannot be read or
 * decompressed is a DataError naming it.
 */
export async function* decisionLogLines(file: string): AsyncGenerator<LogLine> {
  const gzipped = await startsWithGzipMagic(file);
  const input = createReadStream(file);
  let source: Readable = input;
  if (gzipped) {
    const gunzip = createGunzip();
    input.once("error", (error) => gunzip.destroy(error));
    source = input.pipe(gunzip);
  }
  const decoder = new StringDecoder("utf8");
  let pending = "";
  let number = 0;
  try {
    for await (const chunk of source) {
      pending += decoder.write(chunk as Buffer);
      let start = 0;
      for (let end = pending.indexOf("\n"); end !== -1; end = pending.indexOf("\n", start)) {
        number += 1;
        yield { text: withoutCarriageReturn(pending.slice(start, end)), number, terminated: true };
        start = end + 1;
      }
      pending = pending.slice(start);
    }
  } catch (error) {
    throw readError(file, error, gzipped);
  } finally {
    input.destroy();
  }
  pending += decoder.end();
  if (pending !== "") yield { text: withoutCarriageReturn(pending), number: number + 1, terminated: false };
}

/** Whether the file starts with gzip's magic bytes; a DataError naming it when it cannot be read. */
async function startsWithGzipMagic(file: string): Promise<boolean> {
  try {
    const handle = await open(file, "r");
    try {
      const head = Buffer.alloc(gzipMagic.length);
      const { bytesRead } = await handle.read(head, 0, head.length, 0);
      return bytesRead === gzipMagic.length && head[0] === gzipMagic[0] && head[1] === gzipMagic[1];
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw readError(file, error, false);
  }
}

/** The DataError of a log that could not be read (an error code) or decompressed (zlib's message). */
function readError(file: string, error: unknown, gzipped: boolean): DataError {
  const code = nodeErrorCode(error);
  if (gzipped && (code === undefined || code.startsWith("Z_") || code.startsWith("ERR_"))) {
    const message = error instanceof Error ? error.message : String(error);
    return new DataError(`cannot decompress the gzip-compressed decision log (${message})`, { file });
  }
  return new DataError(`cannot read the decision log (${code ?? String(error)})`, { file });
}

function withoutCarriageReturn(text: string): string {
  return text.endsWith("\r") ? text.slice(0, -1) : text;
}
