import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { TrainedSsm } from "../small-models/ssm-trainer.js";
import { ArtifactError } from "../spec/errors/artifact-error.js";
import { nodeErrorCode } from "../util/node-error-code.js";
import { type AdapterDescription, adapterDescriptionSchema } from "./adapter-parts.js";
import { maxAdapterFileBytes, maxManifestBytes, readAdapterFile } from "./read-adapter-file.js";
import { ssmCodecFor } from "./ssm-codec.js";
import {
  decodeTrainingRows,
  encodeTrainingRows,
  type KeptTrainingRow,
  trainingRowsFileName,
} from "./training-rows-file.js";

/**
 * The adapter folder: `adapter.json` (task, router, gate, operating point, fingerprints, versions),
 * `ssm-1.bin` … `ssm-K.bin` (the cross-fitted small models, each in its kind's own checksummed
 * format), `calibration.json` (out-of-fold estimates, the operating
 * curve, the underfit map) and `manifest.json`, which lists each file's size and sha256. Loading
 * checks the format, its version, each file's type and size (before reading it: a regular file of the
 * manifest's size, never a FIFO or a device) and every checksum before parsing anything: a broken or
 * mismatched adapter is refused whole with an ArtifactError.
 */
export const adapterFormat = "easy-adapt-adapter";
export const adapterFormatVersion = 1;

const manifestSchema = z.object({
  format: z.string(),
  formatVersion: z.number().int(),
  createdBy: z.string(),
  files: z.array(
    z.object({
      path: z.string(),
      bytes: z.number().int().nonnegative().max(maxAdapterFileBytes),
      sha256: z.string(),
    }),
  ),
});

/**
 * The files of the easy-adapt adapter in `directory` (those its manifest lists, and the manifest),
 * or undefined where there is none: no manifest.json, or one that is not an easy-adapt adapter's.
 * Never throws.
 */
export async function listAdapterFiles(directory: string): Promise<string[] | undefined> {
  let text: string;
  try {
    text = (await readAdapterFile(join(directory, "manifest.json"), { max: maxManifestBytes })).toString(
      "utf8",
    );
  } catch {
    return undefined;
  }
  let manifest: z.infer<typeof manifestSchema>;
  try {
    manifest = manifestSchema.parse(JSON.parse(text));
  } catch {
    return undefined;
  }
  if (manifest.format !== adapterFormat) return undefined;
  // Only plain file names: a manifest never names a file outside its folder.
  const files = manifest.files
    .map((entry) => entry.path)
    .filter((path) => /^[\w.-]+$/.test(path) && !path.startsWith("."));
  return [...files, "manifest.json"];
}

export interface AdapterArtifact {
  /**
   * The adapter's id, set when it was read from a folder: the first 16 hex digits of its manifest's
   * SHA-256 (see `adapterIdOf`). The manifest lists every file's hash, so any change gives a new id.
   */
  id?: string;
  description: AdapterDescription;
  ssms: readonly TrainedSsm[];
  calibration: Record<string, unknown>;
  /** The rows the adapter learnt from, written to `training-rows.jsonl.gz` when given (see `loadTrainingRows`). */
  trainingRows?: readonly KeptTrainingRow[];
  /**
   * That file's bytes as read from a folder (kept compressed, not decoded: `loadTrainingRows` reads
   * the rows), so that saving a loaded adapter writes it again byte for byte.
   */
  trainingRowsFile?: Buffer;
}

export function ssmFileName(index: number): string {
  return `ssm-${index + 1}.bin`;
}

export function sha256(content: string | Uint8Array): string {
  return createHash("sha256").update(content).digest("hex");
}

/** An adapter's id from its manifest's bytes: the first 16 hex digits of their SHA-256. */
export function adapterIdOf(manifest: string | Uint8Array): string {
  return sha256(manifest).slice(0, 16);
}

/**
 * Writes the adapter folder, safe to write over a folder a server is serving (`serve --watch`): the
 * old manifest is removed first, the files written, the manifest last (see `loadAdapterArtifact`).
 */
export async function saveAdapterArtifact(directory: string, artifact: AdapterArtifact): Promise<void> {
  await mkdir(directory, { recursive: true });
  // A stale manifest must not vouch for half-written files.
  await rm(join(directory, "manifest.json"), { force: true });
  const paths = ["adapter.json", "calibration.json"];
  for (const [index, ssm] of artifact.ssms.entries()) {
    const path = join(directory, ssmFileName(index));
    await ssmCodecFor(ssm.kind, path).save(ssm, path);
    paths.push(ssmFileName(index));
  }
  const trainingRows =
    artifact.trainingRowsFile ??
    (artifact.trainingRows === undefined ? undefined : encodeTrainingRows(artifact.trainingRows));
  if (trainingRows !== undefined) {
    await writeFile(join(directory, trainingRowsFileName), trainingRows);
    paths.push(trainingRowsFileName);
  }
  await writeFile(join(directory, "adapter.json"), `${JSON.stringify(artifact.description, null, 2)}\n`);
  await writeFile(join(directory, "calibration.json"), `${JSON.stringify(artifact.calibration, null, 2)}\n`);
  const files = [];
  for (const path of paths) {
    const content = await readFile(join(directory, path));
    files.push({ path, bytes: content.length, sha256: sha256(content) });
  }
  const manifest = {
    format: adapterFormat,
    formatVersion: adapterFormatVersion,
    createdBy: `easy-adapt ${artifact.description.versions.easyAdapt}`,
    files,
  };
  // Written last, and whole (renamed into place): a reader sees no manifest, or one whose files are
  // all written; it checks every file's hash, so one that read the old manifest is refused.
  const temporary = join(directory, "manifest.json.partial");
  await writeFile(temporary, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(temporary, join(directory, "manifest.json"));
}

/**
 * Reads the adapter folder written by `saveAdapterArtifact`: its manifest first, then every file it
 * lists (a regular file of the listed size, checked before it is read, then its sha256), then the
 * description, the calibration and the small models. Anything broken or mismatched is refused with
 * an ArtifactError.
 */
export async function loadAdapterArtifact(directory: string): Promise<AdapterArtifact> {
  await requireFolder(directory);
  const manifestPath = join(directory, "manifest.json");
  const { manifest, id } = await readManifest(manifestPath);
  const files: VerifiedFiles = {
    contents: await readVerifiedFiles(directory, manifest, manifestPath),
    manifestPath,
  };
  const descriptionPath = join(directory, "adapter.json");
  const description = parseJson(
    listedFile(files, "adapter.json").toString("utf8"),
    descriptionPath,
    adapterDescriptionSchema,
  );
  const calibration = parseJson(
    listedFile(files, "calibration.json").toString("utf8"),
    join(directory, "calibration.json"),
    z.record(z.string(), z.unknown()),
  );
  checkLabelStatistics(description, descriptionPath);
  const ssms = decodeSsms(directory, description, files);
  const trainingRowsFile = files.contents.get(trainingRowsFileName);
  return {
    id,
    description,
    ssms,
    calibration,
    ...(trainingRowsFile === undefined ? {} : { trainingRowsFile }),
  };
}

/**
 * The rows the adapter in `directory` learnt from (`training-rows.jsonl.gz`, checked against its
 * manifest like every file), or undefined for an adapter that keeps none (built before adapters kept
 * them).
 */
export async function loadTrainingRows(directory: string): Promise<KeptTrainingRow[] | undefined> {
  const manifestPath = join(directory, "manifest.json");
  const { manifest } = await readManifest(manifestPath);
  const entry = manifest.files.find((file) => file.path === trainingRowsFileName);
  if (entry === undefined) return undefined;
  const contents = await readVerifiedFiles(directory, { ...manifest, files: [entry] }, manifestPath);
  const path = join(directory, trainingRowsFileName);
  return decodeTrainingRows(contents.get(trainingRowsFileName) ?? Buffer.alloc(0), path);
}

type Manifest = z.infer<typeof manifestSchema>;

/** Refuses, before the manifest is looked for, an adapter folder that does not exist or is a file. */
async function requireFolder(directory: string): Promise<void> {
  const found = await stat(directory).catch((error: unknown) => {
    if (nodeErrorCode(error) === "ENOENT") {
      throw new ArtifactError("no such adapter folder: the folder does not exist", directory);
    }
    return undefined; // Anything else: reading the manifest says what is wrong.
  });
  if (found !== undefined && !found.isDirectory()) {
    throw new ArtifactError("not an adapter folder: it is a file (give the folder adapt wrote)", directory);
  }
}

/**
 * The adapter's manifest and the id it gives, refused unless it is an easy-adapt adapter's of the
 * version this code reads.
 */
async function readManifest(manifestPath: string): Promise<{ manifest: Manifest; id: string }> {
  const manifestText = (
    await readAdapterFile(
      manifestPath,
      { max: maxManifestBytes },
      "the adapter's manifest is missing or unreadable",
    )
  ).toString("utf8");
  const manifest = parseJson(manifestText, manifestPath, manifestSchema);
  const id = adapterIdOf(manifestText);
  if (manifest.format !== adapterFormat) {
    throw new ArtifactError(`not an easy-adapt adapter (format "${manifest.format}")`, manifestPath);
  }
  if (manifest.formatVersion !== adapterFormatVersion) {
    throw new ArtifactError(
      `adapter format version ${manifest.formatVersion} (${manifest.createdBy}) is not supported: this easy-adapt reads version ${adapterFormatVersion}; re-run easy-adapt adapt`,
      manifestPath,
    );
  }
  return { manifest, id };
}

/**
 * The content of every file the manifest lists, by name, each checked (inside the folder, then its
 * size, then its sha256) before anything is parsed.
 */
async function readVerifiedFiles(
  directory: string,
  manifest: Manifest,
  manifestPath: string,
): Promise<Map<string, Buffer>> {
  const contents = new Map<string, Buffer>();
  for (const entry of manifest.files) {
    if (entry.path.includes("/") || entry.path.includes("\\") || entry.path.startsWith(".")) {
      throw new ArtifactError(
        `the manifest lists a file outside the adapter folder: ${entry.path}`,
        manifestPath,
      );
    }
    const filePath = join(directory, entry.path);
    // A regular file of the manifest's size, checked before it is read (never a FIFO or a device).
    const content = await readAdapterFile(filePath, { exact: entry.bytes });
    if (sha256(content) !== entry.sha256) {
      throw new ArtifactError(
        "checksum mismatch: the file was altered after the adapter was written",
        filePath,
      );
    }
    contents.set(entry.path, content);
  }
  return contents;
}

/** Refuses a description whose router's label statistics do not match the task's labels. */
function checkLabelStatistics(description: AdapterDescription, descriptionPath: string): void {
  const labelCount = description.task.labels.length;
  if (
    description.reliability.labelCount !== labelCount ||
    description.ssmPrecision.length !== labelCount ||
    description.reliability.recall.length !== labelCount
  ) {
    throw new ArtifactError("the router's label statistics do not match the task's labels", descriptionPath);
  }
}

/** The verified files' contents by name, and the manifest that listed them. */
interface VerifiedFiles {
  contents: Map<string, Buffer>;
  manifestPath: string;
}

/** A verified file's content; an ArtifactError when the manifest does not list it. */
function listedFile(files: VerifiedFiles, path: string): Buffer {
  const content = files.contents.get(path);
  if (content === undefined) {
    throw new ArtifactError(`the manifest does not list ${path}`, files.manifestPath);
  }
  return content;
}

/**
 * The small models `ssm-1.bin` … `ssm-K.bin`, each refused unless it is of the description's kind
 * and has the task's labels in order.
 */
function decodeSsms(directory: string, description: AdapterDescription, files: VerifiedFiles): TrainedSsm[] {
  const labelCount = description.task.labels.length;
  const ssms: TrainedSsm[] = [];
  for (let index = 0; index < description.ssmCount; index += 1) {
    const ssmPath = join(directory, ssmFileName(index));
    // Decoded from the bytes whose checksum was verified above (no second read), then let go.
    const ssm = ssmCodecFor(description.ssmKind, ssmPath).decode(
      listedFile(files, ssmFileName(index)),
      ssmPath,
    );
    files.contents.delete(ssmFileName(index));
    if (ssm.kind !== description.ssmKind) {
      throw new ArtifactError(
        `holds a "${ssm.kind}" model but adapter.json expects "${description.ssmKind}"`,
        ssmPath,
      );
    }
    if (
      ssm.labels.length !== labelCount ||
      ssm.labels.some((label, position) => label !== description.task.labels[position])
    ) {
      throw new ArtifactError("the small model's labels differ from the task's labels", ssmPath);
    }
    ssms.push(ssm);
  }
  return ssms;
}

function parseJson<Schema extends z.ZodType>(text: string, path: string, schema: Schema): z.output<Schema> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ArtifactError("not valid JSON (corrupted or truncated)", path, { cause: error });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ArtifactError(`invalid content: ${z.prettifyError(parsed.error)}`, path);
  return parsed.data;
}
