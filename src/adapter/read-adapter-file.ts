import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { ArtifactError } from "../spec/errors/artifact-error.js";

/** The largest manifest.json read (a manifest lists a handful of files: a few hundred bytes). */
export const maxManifestBytes = 1024 * 1024;
/** The largest file an adapter folder may hold (the most node reads into one buffer). */
export const maxAdapterFileBytes = 2 ** 31 - 1;

/**
 * The whole content of the regular file at `path`, checked before a byte is read: opened without
 * blocking (a FIFO does not hang the open), then refused with an ArtifactError naming it unless it
 * is a regular file (not a device such as /dev/zero behind a symlink, a FIFO, a socket or a folder)
 * of exactly `size.exact` bytes when given, else of at most `size.max` bytes. Reads no more than
 * the size it checked, whatever happens to the file meanwhile.
 */
export async function readAdapterFile(
  path: string,
  size: { exact: number } | { max: number },
  missingMessage = "listed in the manifest but missing or unreadable",
): Promise<Buffer> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new ArtifactError(missingMessage, path, { cause: error });
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new ArtifactError(`not a regular file (${fileKind(stats)}): refused`, path);
    const limit = "exact" in size ? size.exact : size.max;
    if ("exact" in size && stats.size !== size.exact) {
      throw new ArtifactError(
        `truncated or altered: ${stats.size} bytes, the manifest says ${size.exact}`,
        path,
      );
    }
    if (stats.size > limit) throw new ArtifactError(`${stats.size} bytes, over the limit of ${limit}`, path);
    return await readAtMost(handle, stats.size, path);
  } finally {
    await handle.close().catch(() => {});
  }
}

/** Reads the file from its start, refusing it when it holds more than the `limit` bytes it had when checked. */
async function readAtMost(
  handle: Awaited<ReturnType<typeof open>>,
  limit: number,
  path: string,
): Promise<Buffer> {
  const buffer = Buffer.alloc(limit + 1);
  let filled = 0;
  for (;;) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
    if (filled > limit)
      throw new ArtifactError(`changed while being read (more than ${limit} bytes): refused`, path);
  }
  return buffer.subarray(0, filled);
}

function fileKind(stats: {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSocket(): boolean;
}): string {
  if (stats.isDirectory()) return "a folder";
  if (stats.isFIFO()) return "a FIFO";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "a device";
  if (stats.isSocket()) return "a socket";
  return "not a file";
}
