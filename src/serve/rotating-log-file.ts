import { type FileHandle, open, rename, stat } from "node:fs/promises";

/** How many rotated files (`FILE.1` … `FILE.5`) a rotated log keeps; older ones are overwritten. */
export const rotatedLogFilesKept = 5;

/**
 * A file appended to in whole chunks (each chunk is whole lines), rotated by size and reopened on
 * demand. Calls must not overlap: the decision log chains them.
 */
export interface RotatingLogFile {
  /**
   * Appends `text`. When the file already holds `maxBytes` or more, it is first renamed `FILE.1`
   * (`FILE.1` to `FILE.2`, …, keeping `rotatedLogFilesKept`) and a new one is opened, so a chunk is
   * never split across two files. Rejects when a write fails.
   */
  write(text: string): Promise<void>;
  /** Closes the file; the next write opens the path again (a file renamed away is left alone). */
  reopen(): Promise<void>;
  /** Closes the file. */
  close(): Promise<void>;
}

/** The log file at `path` (`file`, when given, is that path already opened for appending). */
export function createRotatingLogFile(
  path: string,
  options: { maxBytes?: number | undefined; file?: FileHandle | undefined } = {},
): RotatingLogFile {
  let file = options.file;
  // Bytes in the open file: read from the file when it is opened, then counted.
  let size: number | undefined;

  async function openFile(): Promise<FileHandle> {
    file ??= await open(path, "a");
    size ??= (await file.stat()).size;
    return file;
  }

  async function closeFile(): Promise<void> {
    const handle = file;
    file = undefined;
    size = undefined;
    await handle?.close();
  }

  return {
    async write(text) {
      let handle = await openFile();
      if (options.maxBytes !== undefined && (size ?? 0) >= options.maxBytes) {
        await closeFile();
        await shiftRotated(path);
        handle = await openFile();
      }
      const bytes = Buffer.from(text, "utf8");
      await handle.write(bytes);
      size = (size ?? 0) + bytes.length;
    },
    reopen: closeFile,
    close: closeFile,
  };
}

/** Renames `path.4` to `path.5`, …, `path.1` to `path.2` and `path` to `path.1`. */
async function shiftRotated(path: string): Promise<void> {
  for (let index = rotatedLogFilesKept - 1; index >= 1; index -= 1) {
    const from = `${path}.${index}`;
    if ((await stat(from).catch(() => undefined)) !== undefined) await rename(from, `${path}.${index + 1}`);
  }
  await rename(path, `${path}.1`);
}
