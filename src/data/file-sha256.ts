import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { DataError } from "../spec/errors/data-error.js";

/** The SHA-256 of a file's bytes, in hex: the fingerprint an adapter keeps of its training and calibration files. */
export async function fileSha256(path: string): Promise<string> {
  try {
    return createHash("sha256")
      .update(await readFile(path))
      .digest("hex");
  } catch (error) {
    throw new DataError("cannot read the file", { file: path }, { cause: error });
  }
}
