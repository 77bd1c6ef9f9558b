import { createHash } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import { endianness } from "node:os";
import { ArtifactError } from "../spec/errors/artifact-error.js";

const littleEndianMachine = endianness() === "LE";

/**
 * The binary file of a small model:
 *
 * ```
 * bytes 0..8    magic "EASSM\0\r\n" (foreign files are refused by it)
 * bytes 8..12   format version, uint32 LE (1)
 * bytes 12..16  header length H, uint32 LE
 * bytes 16..24  payload length P, float64 LE (an integer)
 * bytes 24..56  sha256 over header + payload
 * then          header: UTF-8 JSON { kind, version, ..., arrays: [{ name, type, length }] }
 * then          payload: the arrays, in header order, little-endian
 * ```
 * A truncated, extended or corrupted file is refused whole (ArtifactError) before anything is parsed.
 */
const MAGIC = Buffer.from("EASSM\0\r\n", "latin1");
const FORMAT_VERSION = 1;
const PREFIX_LENGTH = 56;

export type ArtifactArray = Float32Array | Int32Array;

export interface ArtifactContent {
  header: Record<string, unknown>;
  arrays: Record<string, ArtifactArray>;
}

interface ArrayEntry {
  name: string;
  type: "f32" | "i32";
  length: number;
}

/** Encodes header + arrays into the artifact bytes. */
export function encodeArtifact(content: ArtifactContent): Buffer {
  const entries: ArrayEntry[] = Object.entries(content.arrays).map(([name, array]) => ({
    name,
    type: array instanceof Float32Array ? "f32" : "i32",
    length: array.length,
  }));
  const header = Buffer.from(JSON.stringify({ ...content.header, arrays: entries }), "utf8");
  const payload = Buffer.concat(Object.values(content.arrays).map(encodeArray));
  const prefix = Buffer.alloc(PREFIX_LENGTH);
  MAGIC.copy(prefix, 0);
  prefix.writeUInt32LE(FORMAT_VERSION, 8);
  prefix.writeUInt32LE(header.length, 12);
  prefix.writeDoubleLE(payload.length, 16);
  createHash("sha256").update(header).update(payload).digest().copy(prefix, 24);
  return Buffer.concat([prefix, header, payload]);
}

/** Decodes and verifies artifact bytes; `path` names the file in errors. */
export function decodeArtifact(bytes: Uint8Array, path: string): ArtifactContent {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < PREFIX_LENGTH || !buffer.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new ArtifactError("not an easy-adapt small-model file (bad magic bytes)", path);
  }
  const formatVersion = buffer.readUInt32LE(8);
  if (formatVersion !== FORMAT_VERSION) {
    throw new ArtifactError(`unsupported small-model file format version ${formatVersion}`, path);
  }
  const headerLength = buffer.readUInt32LE(12);
  const payloadLength = buffer.readDoubleLE(16);
  if (buffer.length !== PREFIX_LENGTH + headerLength + payloadLength) {
    throw new ArtifactError(
      `truncated or damaged file: ${buffer.length} bytes, expected ${PREFIX_LENGTH + headerLength + payloadLength}`,
      path,
    );
  }
  const header = buffer.subarray(PREFIX_LENGTH, PREFIX_LENGTH + headerLength);
  const payload = buffer.subarray(PREFIX_LENGTH + headerLength);
  const digest = createHash("sha256").update(header).update(payload).digest();
  if (!digest.equals(buffer.subarray(24, 56)))
    throw new ArtifactError("checksum mismatch: the file is corrupted", path);
  let parsed: unknown;
  try {
    parsed = JSON.parse(header.toString("utf8"));
  } catch (error) {
    throw new ArtifactError("unreadable header", path, { cause: error });
  }
  if (
    typeof parsed !== "object" ||
    parsed === null ||
    !Array.isArray((parsed as { arrays?: unknown }).arrays)
  ) {
    throw new ArtifactError("header without an array table", path);
  }
  const { arrays: table, ...rest } = parsed as { arrays: unknown[] };
  const arrays: Record<string, ArtifactArray> = {};
  let offset = 0;
  for (const entry of table) {
    if (!isArrayEntry(entry) || offset + entry.length * 4 > payload.length) {
      throw new ArtifactError("inconsistent array table", path);
    }
    const slice = payload.subarray(offset, offset + entry.length * 4);
    const array = entry.type === "f32" ? new Float32Array(entry.length) : new Int32Array(entry.length);
    if (littleEndianMachine) {
      // The stored layout is little-endian, as the machine's: one copy, not one read per element.
      new Uint8Array(array.buffer).set(slice);
    } else {
      for (let index = 0; index < entry.length; index++) {
        array[index] = entry.type === "f32" ? slice.readFloatLE(index * 4) : slice.readInt32LE(index * 4);
      }
    }
    arrays[entry.name] = array;
    offset += entry.length * 4;
  }
  if (offset !== payload.length) throw new ArtifactError("inconsistent array table", path);
  return { header: rest, arrays };
}

function isArrayEntry(value: unknown): value is ArrayEntry {
  if (typeof value !== "object" || value === null) return false;
  const entry = value as Record<string, unknown>;
  return (
    typeof entry["name"] === "string" &&
    (entry["type"] === "f32" || entry["type"] === "i32") &&
    typeof entry["length"] === "number" &&
    Number.isInteger(entry["length"]) &&
    entry["length"] >= 0
  );
}

/** Writes the artifact atomically (temporary file, then rename). */
export async function writeArtifactFile(path: string, content: ArtifactContent): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, encodeArtifact(content));
    await rename(temporary, path);
  } catch (error) {
    throw new ArtifactError(`cannot write the model: ${(error as Error).message}`, path, { cause: error });
  }
}

export async function readArtifactFile(path: string): Promise<ArtifactContent> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new ArtifactError(`cannot read the model: ${(error as Error).message}`, path, { cause: error });
  }
  return decodeArtifact(bytes, path);
}

export function arrayToBase64(array: ArtifactArray): string {
  return Buffer.from(encodeArray(array)).toString("base64");
}

export function base64ToArray(text: string, type: "f32" | "i32"): ArtifactArray {
  const bytes = Buffer.from(text, "base64");
  const length = Math.floor(bytes.length / 4);
  const array = type === "f32" ? new Float32Array(length) : new Int32Array(length);
  for (let index = 0; index < length; index++) {
    array[index] = type === "f32" ? bytes.readFloatLE(index * 4) : bytes.readInt32LE(index * 4);
  }
  return array;
}

function encodeArray(array: ArtifactArray): Buffer {
  const bytes = Buffer.alloc(array.length * 4);
  for (let index = 0; index < array.length; index++) {
    if (array instanceof Float32Array) bytes.writeFloatLE(array[index]!, index * 4);
    else bytes.writeInt32LE(array[index]!, index * 4);
  }
  return bytes;
}

/** Reads an artifact file and refuses it unless it holds a model of `kind`. */
export async function readArtifactFileOfKind(path: string, kind: string): Promise<ArtifactContent> {
  const content = await readArtifactFile(path);
  if (content.header["kind"] !== kind) {
    throw new ArtifactError(`holds a "${String(content.header["kind"])}" model, not ${kind}`, path);
  }
  return content;
}

/** The JSON snapshot of an artifact: its header's fields, and every array as base64. */
export function artifactToSnapshot(content: ArtifactContent): Record<string, unknown> {
  const snapshot: Record<string, unknown> = { ...content.header };
  for (const [name, array] of Object.entries(content.arrays)) snapshot[name] = arrayToBase64(array);
  return snapshot;
}

/** The arrays of a snapshot made by `artifactToSnapshot`, by element type; absent names are skipped. */
export function snapshotArrays(
  snapshot: Record<string, unknown>,
  types: Record<string, "f32" | "i32">,
): Record<string, ArtifactArray> {
  const arrays: Record<string, ArtifactArray> = {};
  for (const [name, type] of Object.entries(types)) {
    const encoded = snapshot[name];
    if (typeof encoded === "string") arrays[name] = base64ToArray(encoded, type);
  }
  return arrays;
}
